/**
 * The MCP part of the compiler → ext_proc contract (`FilterConfig.mcp`): plain data resolved
 * from MCPRoutes (and `--mcp-config` / `--mcp-json`), with secrets inlined and no Kubernetes
 * types. Each field notes the API field it mirrors.
 */

/** Request header Envoy sets (overwriting any client value) to name the MCPRoute of a request. */
export const MCP_ROUTE_HEADER = 'x-ai-eg-mcp-route';

/**
 * Response headers the MCP proxy sets for the access log; Envoy turns them into dynamic
 * metadata (`io.envoy.ai_gateway.mcp_<suffix>`) and removes them before the client sees them.
 */
export const MCP_METADATA_HEADERS = {
  method: 'x-ai-eg-mcp-metadata-method',
  tool: 'x-ai-eg-mcp-metadata-tool-name',
  backend: 'x-ai-eg-mcp-metadata-backend',
  session: 'x-ai-eg-mcp-metadata-session-id',
  requestId: 'x-ai-eg-mcp-metadata-request-id',
  resourceUri: 'x-ai-eg-mcp-metadata-resource-uri',
  /** The client's own session (`agent-session-id`), as `session.id` for LLM requests. */
  agentSession: 'x-ai-eg-mcp-metadata-agent-session-id',
} as const;

/** The dynamic metadata key (namespace `io.envoy.ai_gateway`) each metadata header becomes. */
export const MCP_METADATA_KEYS: Record<keyof typeof MCP_METADATA_HEADERS, string> = {
  method: 'mcp_method',
  tool: 'mcp_tool_name',
  backend: 'mcp_backend',
  session: 'mcp_session_id',
  requestId: 'mcp_request_id',
  resourceUri: 'mcp_resource_uri',
  // The key LLM requests write (OTEL_AIGW_LOG_REQUEST_HEADER_ATTRIBUTES), so one access-log field serves both.
  agentSession: 'session.id',
};

export interface McpConfig {
  routes: McpRouteConfig[];
}

/** One MCPRoute. */
export interface McpRouteConfig {
  /** `<ns>/<name>`: the value of MCP_ROUTE_HEADER. */
  name: string;
  /** `spec.path` (default `/mcp`). */
  path: string;
  /** Envoy listeners (`<ns>/<gateway>/<listener>`) the route is attached to. */
  listeners: string[];
  /** `spec.hostnames`; empty: any host. */
  hostnames: string[];
  backends: McpBackendConfig[];
  /** `spec.securityPolicy.oauth`: requests need a valid JWT. */
  oauth?: McpOAuthConfig;
  /** `spec.securityPolicy.authorization`. */
  authorization?: McpAuthorizationConfig;
  /** `spec.backendSelector`: which backends a session may use (evaluated at initialize). */
  backendSelector?: McpAuthorizationConfig;
}

/** One `spec.backendRefs[]` entry (or one `--mcp-config` server). */
export interface McpBackendConfig {
  /** The backendRef name: tools are exposed as `<name>__<tool>`. */
  name: string;
  /** Streamable HTTP endpoint: `http(s)://host:port` + backendRef `path` (default `/mcp`). */
  url: string;
  /** TLS server name to verify (BackendTLSPolicy hostname), when it differs from the URL's host. */
  tlsServerName?: string;
  /** Static headers sent to the backend (`--mcp-config` headers other than the Bearer token). */
  headers: { name: string; value: string }[];
  /** `securityPolicy.apiKey`: without header/queryParam, `Authorization: Bearer <key>`. */
  apiKey?: { value: string; header?: string; queryParam?: string };
  /** `toolSelector`: exclude wins over include. Regexes are RE2-style full matches. */
  toolSelector?: { include?: string[]; includeRegex?: string[]; exclude?: string[]; excludeRegex?: string[] };
  /** `forwardHeaders`: client request headers copied to the backend (optionally renamed). Lower-case. */
  forwardHeaders: { name: string; backendHeader: string }[];
}

/** `securityPolicy.oauth`. */
export interface McpOAuthConfig {
  issuer: string;
  /** `aud` must contain one of these when non-empty. */
  audiences: string[];
  jwks: { type: 'remote'; uri: string; cacheDurationSeconds: number } | { type: 'local'; json: string };
  protectedResourceMetadata: {
    resource: string;
    resourceName?: string;
    resourceDocumentation?: string;
    resourcePolicyUri?: string;
    /** `resource_signing_alg_values_supported`, when the route lists them. */
    resourceSigningAlgValuesSupported?: string[];
    /** `scopesSupported` of the route, then the scopes its authorization rules name: `scopes_supported`. */
    scopesSupported: string[];
  };
  /** `claimToHeaders`: JWT claims forwarded to every backend as headers. Lower-case header names. */
  claimToHeaders: { claim: string; header: string }[];
}

/** `securityPolicy.authorization` / `backendSelector`: rules in order, first match wins. */
export interface McpAuthorizationConfig {
  defaultAction: 'Allow' | 'Deny';
  rules: McpAuthorizationRule[];
}

export interface McpAuthorizationRule {
  action: 'Allow' | 'Deny';
  /** CEL over `request`, `auth.jwt`, `mcp` (the bindings are in mcp/auth/cel-bindings.ts). */
  cel?: string;
  /** `target.tools`: the rule applies to these (backend, tool) pairs only. */
  tools?: { backend: string; tool: string }[];
  /** `source.jwt`: every scope present and every claim matching. */
  jwt?: { scopes: string[]; claims: { name: string; valueType: 'String' | 'StringArray'; values: string[] }[] };
}
