import type { BackendConfig, LLMRequestCost, ModelInfo } from '../contract/filter-config.js';
import type { McpRouteConfig } from '../contract/mcp-config.js';
import type { Json } from './envoy-json.js';
import type { AccessLogSetting } from './resources/envoy-proxy.js';
import type { HeaderMatch } from './resources/ai-gateway-route.js';
import type { BackendEndpoint } from './resources/backend.js';
import type { CircuitBreakerSettings, RateLimitSettings, RetrySettings } from './resources/backend-traffic-policy.js';
import type { PerModelQuota, ServiceQuota } from './resources/quota-policy.js';

/**
 * The resolved gateway: every reference followed, defaults applied, nothing Kubernetes-shaped
 * left. Both outputs (Envoy bootstrap, ext_proc filter config) are plain functions of it.
 */
export interface GatewayModel {
  /** Every listener of every Gateway; each becomes an Envoy listener. */
  listeners: ListenerModel[];
  /** Envoy's log levels (EnvoyProxy `spec.logging.level`); one Envoy serves all Gateways. */
  logLevels: Record<string, string>;
  routes: RouteModel[];
  /** MCPRoutes attached to a listener, in document order; served by the ext_proc's MCP proxy. */
  mcpRoutes: McpRouteModel[];
  models: ModelInfo[];
  /** Environment for the ext_proc process (GatewayConfig `extProc.kubernetes.env`). */
  extProcEnv: Record<string, string>;
  /** EnvoyProxy `provider.host.envoyVersion`: run this Envoy release instead of the pinned one. */
  envoyVersion?: string;
  /** OTLP collectors that access logs are sent to (gRPC). */
  telemetryClusters: TelemetryCluster[];
  /** EnvoyProxy `bootstrap` (type Merge) values, merged in this order into the generated bootstrap. */
  bootstrapMerges: Json[];
}

export interface TelemetryCluster {
  name: string;
  endpoints: BackendEndpoint[];
  tls?: { sni: string; systemCAs: boolean };
}

/** An EnvoyProxy access log setting with its sinks resolved. */
export interface AccessLogModel {
  matches: string[];
  format: AccessLogSetting['format'];
  sinks: ({ kind: 'file'; path: string } | { kind: 'openTelemetry'; cluster: string; /** The collector's host[:port], sent as :authority. */ authority: string; headers: { name: string; value: string }[]; resources: Record<string, string> })[];
}

export interface ListenerModel {
  /** `<ns>/<gateway>/<listener>`: the Envoy listener name, also told to the ext_proc. */
  name: string;
  port: number;
  /** The Gateway's `spec.addresses` (IPs); empty binds the default (127.0.0.1) or --listen-address. */
  addresses: string[];
  /** ClientTrafficPolicy `connection.bufferLimit` of its Gateway. */
  bufferLimitBytes: number;
  /** ClientTrafficPolicy connection limits and timeouts, defaults applied (milliseconds; 0 = none). */
  client: ClientSettings;
  /** EnvoyProxy access logs of its Gateway. */
  accessLogs: AccessLogModel[];
}

export interface ClientSettings {
  /** Concurrent connections per listener; new ones beyond are closed (after closeDelayMs). */
  connectionLimit: number;
  connectionCloseDelayMs?: number;
  maxAcceptPerSocketEvent?: number;
  /** The request headers must arrive within it (slowloris). */
  requestHeadersTimeoutMs: number;
  /** The whole request must arrive within it (ClientTrafficPolicy requestReceivedTimeout; 0 = none). */
  requestReceivedTimeoutMs: number;
  /** A connection without requests is closed after it. */
  idleTimeoutMs: number;
  /** A request or response without a byte for this long is ended. */
  streamIdleTimeoutMs: number;
}

export interface RouteModel {
  /** `<ns>/<name>`. */
  name: string;
  /** Names of the listeners it is attached to (parentRefs, narrowed by sectionName). */
  listeners: string[];
  hostnames: string[];
  costs: LLMRequestCost[];
  rules: RuleModel[];
}

export interface RuleModel {
  /** `<ns>/<route>/rule/<i>`: the rule's cluster name in `upstream` mode. */
  cluster: string;
  /** See RuleConfig.mode: `upstream` when the rule has fallback priorities. */
  mode: 'router' | 'upstream';
  /** Alternatives, each a list of header matches that must all hold. */
  matches: HeaderMatch[][];
  requestTimeoutMs: number;
  backendRequestTimeoutMs?: number;
  streamIdleTimeoutMs?: number;
  /** From a BackendTrafficPolicy targeting the route (or its Gateway). */
  retry?: RetrySettings;
  /** From a BackendTrafficPolicy targeting the route (or its Gateway); defaults apply to the rest. */
  circuitBreaker?: CircuitBreakerSettings;
  /** BackendTrafficPolicy `rateLimit`, from a policy on the route, else on its Gateway. */
  rateLimit?: RateLimitModel;
  refs: BackendRefModel[];
}

export interface RateLimitModel extends RateLimitSettings {
  /** The BackendTrafficPolicy: shared rules are keyed by it, and limits name it. */
  policy: { name: string; namespace: string };
}

/** The QuotaPolicy budgets that apply to one backendRef (router-mode rules only). */
export interface QuotaModel {
  /** `<ns>/<AIServiceBackend>`: the `backend_name` descriptor. */
  aiServiceBackend: string;
  /** The per-model quota whose modelName is this backendRef's modelNameOverride. */
  model?: { policy: string; name: string; quota: PerModelQuota };
  service?: { policy: string; quota: ServiceQuota };
}

export interface BackendRefModel {
  backend: BackendConfig;
  weight: number;
  priority: number;
  endpoints: BackendEndpoint[];
  tls?: { sni: string; systemCAs: boolean };
  /** QuotaPolicies on this backendRef's AIServiceBackend. */
  quota?: QuotaModel;
}

/** An MCPRoute: what the MCP proxy needs, and what Envoy matches before sending a request there. */
export interface McpRouteModel {
  config: McpRouteConfig;
  /** `spec.headers`: Envoy header matchers on the route's path. Names lower-cased. */
  headers: HeaderMatch[];
}
