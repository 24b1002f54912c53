import type { BackendConfig, LLMRequestCost, ModelInfo } from '../extproc/filter-config.js';
import type { AccessLogSetting } from './resources/envoy-proxy.js';
import type { HeaderMatch } from './resources/ai-gateway-route.js';
import type { BackendEndpoint } from './resources/backend.js';
import type { RetrySettings } from './resources/backend-traffic-policy.js';

/**
 * The resolved gateway: every reference followed, defaults applied, nothing Kubernetes-shaped
 * left. Both outputs (Envoy bootstrap, ext_proc filter config) are plain functions of it.
 */
export interface GatewayModel {
  name: string;
  listeners: { name: string; port: number }[];
  bufferLimitBytes: number;
  logLevels: Record<string, string>;
  accessLogs: AccessLogSetting[];
  routes: RouteModel[];
  models: ModelInfo[];
}

export interface RouteModel {
  /** `<ns>/<name>`. */
  name: string;
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
  /** From a BackendTrafficPolicy targeting the route (or its Gateway). */
  retry?: RetrySettings;
  refs: BackendRefModel[];
}

export interface BackendRefModel {
  backend: BackendConfig;
  weight: number;
  priority: number;
  endpoints: BackendEndpoint[];
  tls?: { sni: string; systemCAs: boolean };
}
