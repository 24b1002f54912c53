/**
 * The contract between the compiler and the ext_proc server.
 *
 * It is plain, serialisable data with no Kubernetes types: the compiler resolves every
 * reference (routes, backends, secrets) before writing it, so the ext_proc can be tested and
 * run without knowing anything about CRDs. Each type notes which API field it mirrors.
 * `version` lets a newer or older ext_proc refuse a config it does not understand instead of
 * misreading it.
 */

import type { McpConfig } from './mcp-config.js';
import type { RateLimitConfig } from './rate-limit-config.js';

/** The config format version this ext_proc reads. Bump on any incompatible change. */
export const FILTER_CONFIG_VERSION = 'aigw.filter-config/v1';

/** The CEL attribute the upstream filter asks Envoy for: the backend name from endpoint metadata. */
export const BACKEND_NAME_ATTRIBUTE =
  "xds.upstream_host_metadata.filter_metadata['aigateway.envoy.io']['per_route_rule_backend_name']";

/**
 * The CEL attribute the router filter asks Envoy for when a rate limit counts per client address:
 * the downstream remote address (`ip:port`), the one Envoy's remote_address action reads.
 */
export const SOURCE_ADDRESS_ATTRIBUTE = 'source.address';

/** gRPC metadata key carrying the Envoy listener name to the router filter's stream. */
export const LISTENER_METADATA_KEY = 'x-aigw-listener';

/**
 * gRPC metadata key carrying the listener's buffer limit (bytes) to the router filter's stream:
 * a compressed request body may decode to at most that much.
 */
export const BUFFER_LIMIT_METADATA_KEY = 'x-aigw-buffer-limit';
/** gRPC metadata of the router-level filter: its listener's stream idle timeout in ms (ClientTrafficPolicy). */
export const STREAM_IDLE_METADATA_KEY = 'x-aigw-stream-idle-ms';

/** The listener buffer limit without a ClientTrafficPolicy (Envoy Gateway's 32 KiB is too small for LLM bodies). */
export const DEFAULT_BUFFER_LIMIT_BYTES = 50 * 1024 * 1024;

/** Header the router filter sets so Envoy routes to the chosen target (cluster). */
export const ROUTE_HEADER = 'x-ai-eg-route';

/** The message of the 404 for a model no rule matches (upstream's wording, plus the model). */
export const ROUTE_NOT_FOUND_MESSAGE =
  'No matching route found. It is likely because the model specified in your request is not configured in the Gateway.';

/**
 * Envoy's own replies for upstream failures (connect failure, reset, timeout) are JSON with this
 * `error.code` and a message starting with this prefix (the bootstrap's local_reply_config), so
 * the ext_proc can tell them from a provider's error and put them in the client API's shape.
 */
export const LOCAL_REPLY_ERROR_CODE = 'upstream_error';
export const LOCAL_REPLY_MESSAGE_PREFIX = 'upstream failure: ';
/**
 * Rate-limit replies: 429 over a limit (from the router's checks, or Envoy's local_ratelimit
 * filter, whose reply the ext_proc recognises like the upstream failures), 503 when the counter
 * store fails and failure mode deny refuses what it cannot check.
 */
export const LOCAL_REPLY_RATE_LIMITED_CODE = 'rate_limit_exceeded';
export const LOCAL_REPLY_RATE_LIMITED_PREFIX = 'rate limit exceeded: ';
export const RATE_LIMITED_MESSAGE = `${LOCAL_REPLY_RATE_LIMITED_PREFIX}this request is over a rate limit or token quota of the gateway (BackendTrafficPolicy rateLimit, QuotaPolicy); retry when the window resets (x-ratelimit-reset seconds)`;
export const RATE_LIMIT_UNAVAILABLE_CODE = 'rate_limit_service_error';
export const RATE_LIMIT_UNAVAILABLE_MESSAGE =
  "rate limit service failed: the gateway's rate-limit counters are unavailable, and failure mode deny refuses requests it cannot check; retry shortly";
/** Every (code, message prefix) of Envoy's own replies that the ext_proc puts in the client API's shape. */
export const LOCAL_REPLY_KINDS: readonly { code: string; prefix: string }[] = [
  { code: LOCAL_REPLY_ERROR_CODE, prefix: LOCAL_REPLY_MESSAGE_PREFIX },
  { code: LOCAL_REPLY_RATE_LIMITED_CODE, prefix: LOCAL_REPLY_RATE_LIMITED_PREFIX },
];

/** The dynamic metadata namespace shared with access logs and rate limits. */
export const METADATA_NAMESPACE = 'io.envoy.ai_gateway';

/**
 * The router-level filter's processing mode: the request is buffered so the model can be read
 * before routing; the response is read in `router` mode and waved through otherwise.
 */
export const ROUTER_PROCESSING_MODE = {
  request_header_mode: 'SEND',
  request_body_mode: 'BUFFERED',
  request_trailer_mode: 'SKIP',
  response_header_mode: 'SEND',
  response_body_mode: 'BUFFERED',
  response_trailer_mode: 'SKIP',
} as const;

/**
 * The upstream filter's processing mode, written into the bootstrap by the compiler. The
 * ext_proc's `mode_override` replaces the whole mode (unset fields fall back to Envoy's
 * defaults, e.g. body NONE), so overrides start from this and change one field.
 */
export const UPSTREAM_PROCESSING_MODE = {
  request_header_mode: 'SEND',
  request_body_mode: 'NONE',
  request_trailer_mode: 'SKIP',
  response_header_mode: 'SEND',
  response_body_mode: 'BUFFERED',
  response_trailer_mode: 'SKIP',
} as const;

/** AIServiceBackend `spec.schema.name`. */
export const SCHEMA_NAMES = [
  'OpenAI',
  'AzureOpenAI',
  'AWSBedrock',
  'AWSAnthropic',
  'GCPVertexAI',
  'GCPAnthropic',
  'Anthropic',
  'Cohere',
] as const;
export type SchemaName = (typeof SCHEMA_NAMES)[number];

/** AIGatewayRoute `spec.llmRequestCosts[].type`. */
export const COST_TYPES = [
  'InputToken',
  'CachedInputToken',
  'CacheCreationInputToken',
  'OutputToken',
  'TotalToken',
  'ReasoningToken',
  'CEL',
] as const;
export type CostType = (typeof COST_TYPES)[number];

/** Mirrors AIServiceBackend `spec.schema`, with the controller's defaulting applied. */
export interface BackendSchema {
  name: SchemaName;
  /** Path prefix for OpenAI/Anthropic-compatible APIs, e.g. `v1` (default) or `v1beta/openai`. */
  prefix?: string;
  /** API version for providers that version their API outside the path (Azure `api-version`). */
  version?: string;
}

/**
 * BackendSecurityPolicy `credentialOverride.fromRequestHeaders`: a per-request credential in
 * client headers (removed before the request leaves), used instead of the configured one.
 */
export interface CredentialOverride {
  /** The header (for AWS: the prefix of `…access-key-id`, `…secret-access-key`, `…session-token`). Lower-case. */
  header: string;
  /** Use the configured credential when the header is absent; false answers 401 instead. */
  fallbackToConfigured: boolean;
}

/** A key in a Secret (APIKey: `Authorization: Bearer`, AzureAPIKey: `api-key`, AnthropicAPIKey: `x-api-key`). */
export interface KeyAuth {
  type: 'APIKey' | 'AzureAPIKey' | 'AnthropicAPIKey';
  key: string;
  override?: CredentialOverride;
}

export interface AWSStaticCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

/** AWSCredentials: SigV4 (service `bedrock`) over the final upstream request. */
export interface AWSAuth {
  type: 'AWSCredentials';
  region: string;
  /** From the credentials file in a Secret; absent means the AWS default chain (environment, ~/.aws, SSO, instance role) at request time. */
  credentials?: AWSStaticCredentials;
  override?: CredentialOverride;
}

/** AzureCredentials: an Entra ID token (client credentials), minted and refreshed by the ext_proc. */
export interface AzureAuth {
  type: 'AzureCredentials';
  tenantId: string;
  clientId: string;
  clientSecret: string;
  override?: CredentialOverride;
}

/** GCPCredentials: an OAuth token for `cloud-platform`; requests go to `/v1/projects/{project}/locations/{region}/…`. */
export interface GCPAuth {
  type: 'GCPCredentials';
  projectName: string;
  region: string;
  /** The service account key JSON from a Secret; absent means Application Default Credentials. */
  serviceAccountKey?: string;
  override?: CredentialOverride;
}

/** Resolved BackendSecurityPolicy credentials. Secret values are inlined. */
export type BackendAuth = KeyAuth | AWSAuth | AzureAuth | GCPAuth;

/** Header edits for one backend (AIServiceBackend + route backendRef `headerMutation`, merged). */
export interface HeaderMutation {
  set: { name: string; value: string }[];
  remove: string[];
}

/** Top-level JSON body edits (AIServiceBackend + route backendRef `bodyMutation`, merged). */
export interface BodyMutation {
  /** `value` is inserted as raw JSON when it parses as JSON, else as a JSON string. */
  set: { path: string; value: string }[];
  remove: string[];
}

/** One (route, rule, backendRef): the unit the upstream ext_proc filter is told about by Envoy. */
export interface BackendConfig {
  /** `<ns>/<backend>/route/<route>/rule/<i>/ref/<j>`; equals the endpoint metadata Envoy sends. */
  name: string;
  /** `<ns>/<route>`: the AIGatewayRoute this entry came from (selects llmRequestCosts). */
  route: string;
  /** `<ns>/<AIServiceBackend>`. */
  aiServiceBackend: string;
  schema: BackendSchema;
  /** AIGatewayRoute `rules[].backendRefs[].modelNameOverride`. */
  modelNameOverride?: string;
  auth?: BackendAuth;
  /**
   * The upstream Host when the backend is a hostname (Envoy rewrites Host to it); signatures
   * (SigV4) cover it. Absent for IP backends, whose Host is the client's.
   */
  host?: string;
  headerMutation?: HeaderMutation;
  bodyMutation?: BodyMutation;
  /** The timeouts of the rule this entry belongs to (absent: no route timeout, the default stream idle timeout). */
  timeouts?: BackendTimeouts;
}

/**
 * AIGatewayRoute `rules[].timeouts` and `rules[].streamIdleTimeout`, for the response streams the
 * ext_proc ends itself: Envoy can only reset a stream whose response has started, so the ext_proc
 * ends it first, with an error event in the client's stream format that names the timeout.
 */
export interface BackendTimeouts {
  /** Envoy's route timeout in milliseconds (0: none): `timeouts.backendRequest` when set, else `timeouts.request`. */
  requestMs: number;
  /** The field `requestMs` came from, as the error message names it. */
  requestField: 'timeouts.request' | 'timeouts.backendRequest';
  /** `streamIdleTimeout` in milliseconds, when the rule sets it. */
  streamIdleMs?: number;
}

/** One header condition of an AIGatewayRoute rule (`rules[].matches[].headers[]`). */
export interface HeaderMatchConfig {
  /** Lower-case header name; `x-ai-eg-model` is the model from the request body. */
  name: string;
  type: 'Exact' | 'RegularExpression';
  value: string;
}

/**
 * One way to match an AIGatewayRoute rule (a rule with several `matches` entries yields one
 * each), in the order they are tried: most header conditions first, then document order.
 */
export interface RuleConfig {
  /** `<ns>/<route>/rule/<i>`: the routing target when the upstream filter handles the rule. */
  name: string;
  /** `<ns>/<route>`. */
  route: string;
  /** Envoy listeners (`<ns>/<gateway>/<listener>`) the rule's route is attached to. */
  listeners: string[];
  /** All must hold. Empty matches every request. */
  headers: HeaderMatchConfig[];
  /** AIGatewayRoute `spec.hostnames`: the request's host must match one (exact or `*.suffix`); empty: any host. */
  hostnames: string[];
  /** The rule's backendRefs (weight 0 left out), by BackendConfig name. */
  backends: { name: string; weight: number; priority: number }[];
  /**
   * `router`: the router-level filter picks the backend (by weight) and does all the work on one
   * gRPC stream; Envoy routes to that backend's own cluster. `upstream`: the rule has fallback
   * priorities, so Envoy picks (and may retry) the backend and an upstream filter on the rule's
   * cluster translates each attempt.
   */
  mode: 'router' | 'upstream';
}

/**
 * AIGatewayRoute `spec.llmRequestCosts[]`; also a QuotaPolicy's cost (`quota_cost`,
 * `service_quota_cost`), which applies only to the backend (and model) it limits.
 */
export interface LLMRequestCost {
  metadataKey: string;
  type: CostType;
  cel?: string;
  /** Only for requests served by this AIServiceBackend (`<ns>/<name>`, BackendConfig.aiServiceBackend). */
  backend?: string;
  /** Only for requests whose model sent upstream (after modelNameOverride) is this one. */
  model?: string;
}

/** The metadata key of a QuotaPolicy per-model cost (`perModelQuotas[].quota.costExpression`), as upstream. */
export const QUOTA_COST_METADATA_KEY = 'quota_cost';
/** The metadata key of a QuotaPolicy `serviceQuota.costExpression` cost (aigw's own: upstream does not enforce serviceQuota). */
export const SERVICE_QUOTA_COST_METADATA_KEY = 'service_quota_cost';

export interface RouteConfig {
  /** `<ns>/<name>`. */
  name: string;
  costs: LLMRequestCost[];
}

/** A model served by `GET /v1/models` (from Exact `x-ai-eg-model` matches). */
export interface ModelInfo {
  name: string;
  /** Hosts whose `/v1/models` lists it (its route's hostnames); empty: every host. */
  hostnames: string[];
  /** Listeners whose `/v1/models` lists it. */
  listeners: string[];
  ownedBy: string;
  /** Unix seconds; unset means "when the ext_proc loaded this config" (keeps compiler output deterministic). */
  createdAt?: number;
}

export interface FilterConfig {
  version: typeof FILTER_CONFIG_VERSION;
  rules: RuleConfig[];
  backends: BackendConfig[];
  routes: RouteConfig[];
  models: ModelInfo[];
  /** MCPRoutes served by the ext_proc's MCP proxy; absent when there are none. */
  mcp?: McpConfig;
  /** What the rate-limit service enforces (BackendTrafficPolicy rateLimit.global, QuotaPolicy); absent when nothing is limited. */
  rateLimit?: RateLimitConfig;
}

/** Returns a copy with every credential replaced by `<redacted>`, for logs and `translate`. */
export function redactFilterConfig(config: FilterConfig): FilterConfig {
  return {
    ...config,
    ...(config.mcp
      ? {
          mcp: {
            routes: config.mcp.routes.map((route) => ({
              ...route,
              backends: route.backends.map((backend) => ({
                ...backend,
                // Static headers carry tokens as often as not (`--mcp-config` headers).
                headers: backend.headers.map((header) => ({ ...header, value: REDACTED })),
                ...(backend.apiKey ? { apiKey: { ...backend.apiKey, value: REDACTED } } : {}),
              })),
            })),
          },
        }
      : {}),
    backends: config.backends.map((backend) => (backend.auth ? { ...backend, auth: redactAuth(backend.auth) } : backend)),
  };
}

const REDACTED = '<redacted>';

function redactAuth(auth: BackendAuth): BackendAuth {
  switch (auth.type) {
    case 'APIKey':
    case 'AzureAPIKey':
    case 'AnthropicAPIKey':
      return { ...auth, key: REDACTED };
    case 'AWSCredentials':
      return auth.credentials
        ? { ...auth, credentials: { accessKeyId: REDACTED, secretAccessKey: REDACTED, ...(auth.credentials.sessionToken !== undefined ? { sessionToken: REDACTED } : {}) } }
        : auth;
    case 'AzureCredentials':
      return { ...auth, clientSecret: REDACTED };
    case 'GCPCredentials':
      return auth.serviceAccountKey !== undefined ? { ...auth, serviceAccountKey: REDACTED } : auth;
  }
}
