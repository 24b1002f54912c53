import type { JsonRecord } from '../../common/json-guards.js';

/**
 * The security of one MCPRoute, as the MCP proxy uses it: OAuth (JWT verification and the
 * protected-resource metadata endpoints), `authorization` rules and the `backendSelector`.
 * Implemented in ./auth/ (createMcpRouteAuth); a route without a security policy allows all.
 */

/** The HTTP request as the authorizer sees it. Header names lower-case, first value. */
export interface McpHttpRequest {
  method: string;
  host: string;
  /** Path without the query. */
  path: string;
  headers: Readonly<Record<string, string>>;
}

/** Who is calling, once authenticated (empty for routes without OAuth). */
export interface McpIdentity {
  /** The JWT `sub`, if any. */
  subject?: string;
  /** All JWT claims (verified). */
  claims: JsonRecord;
  /** From `scope` (space-separated) or `scp` (string or list). */
  scopes: string[];
  /** `claimToHeaders`: headers to send to every backend. Lower-case names. */
  forwardHeaders: [string, string][];
}

/** A response the proxy sends as is (401 challenge, 403, well-known metadata). */
export interface McpHttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The MCP facts of one JSON-RPC request, for authorization rules (`mcp.*` in CEL). */
export interface McpCall {
  /** JSON-RPC method, e.g. `tools/call`. */
  method: string;
  backend?: string;
  /** The backend's own tool name (without the `<backend>__` prefix). */
  tool?: string;
  params: unknown;
}

export interface McpRouteAuth {
  /**
   * The answer for `/.well-known/oauth-protected-resource<path>` (and the authorization-server
   * metadata paths), or undefined when the request is not for one of them.
   */
  wellKnown(request: McpHttpRequest): Promise<McpHttpAnswer | undefined>;
  /** Verifies the bearer token when the route has OAuth: the identity, or a 401 with `WWW-Authenticate`. */
  authenticate(request: McpHttpRequest): Promise<{ identity: McpIdentity } | { answer: McpHttpAnswer }>;
  /** `authorization` rules for one call: allowed, or a 403 with `WWW-Authenticate` (insufficient_scope). */
  authorize(identity: McpIdentity, request: McpHttpRequest, call: McpCall): { allowed: true } | { allowed: false; answer: McpHttpAnswer };
  /** `backendSelector`: whether a session may use this backend (asked at initialize). */
  selectsBackend(identity: McpIdentity, request: McpHttpRequest, backend: string): boolean;
}

/** The security of a route without `securityPolicy` or `backendSelector`: everything allowed. */
export const OPEN_ROUTE: McpRouteAuth = {
  wellKnown: () => Promise.resolve(undefined),
  authenticate: () => Promise.resolve({ identity: { claims: {}, scopes: [], forwardHeaders: [] } }),
  authorize: () => ({ allowed: true }),
  selectsBackend: () => true,
};
