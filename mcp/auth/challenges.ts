// The HTTP answers of MCP authorization: 401 and 403 `WWW-Authenticate: Bearer` challenges (RFC
// 6750 §3, RFC 9728 §5.1, MCP authorization 2025-06-18/2025-11-25), the 503 when keys cannot be
// fetched, and the CORS headers that let browser clients read them. Error bodies are short
// text/plain, like every other error of the MCP proxy (as upstream's internal/mcpproxy).

import type { McpHttpAnswer, McpHttpRequest } from './mcp-route-auth.js';

export const PROTECTED_RESOURCE_PATH = '/.well-known/oauth-protected-resource';

/** Lets browser-based MCP clients read the challenge and the metadata documents. */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-expose-headers': 'www-authenticate, mcp-session-id',
};

/** RFC 9728 path-insertion form of a path: '' for the root, otherwise the path without a trailing '/'. */
export function wellKnownSuffix(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed === '' ? '' : trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

/**
 * Where this route's protected-resource metadata is served, as the client reached the gateway: the
 * request host, and the scheme from `x-forwarded-proto` (Envoy sets it). Without that header the
 * configured `resource` URL's scheme is used when the hosts agree, else http. The request host is
 * preferred over the configured `resource` because a local gateway is often reached under
 * another name (localhost:1975); a malformed or empty Host falls back to the `resource` origin.
 */
export function resourceMetadataUrl(request: McpHttpRequest, resource: string, routePath: string): string {
  let configured: URL | undefined;
  try {
    configured = new URL(resource);
  } catch {
    configured = undefined;
  }
  const forwarded = request.headers['x-forwarded-proto']?.split(',')[0]?.trim().toLowerCase();
  const sameHost = configured !== undefined && configured.host === request.host.toLowerCase();
  const scheme = forwarded === 'http' || forwarded === 'https' ? forwarded : sameHost ? (configured?.protocol.replace(':', '') ?? 'http') : 'http';
  let origin = configured?.origin ?? 'http://localhost';
  if (request.host !== '') {
    try {
      origin = new URL(`${scheme}://${request.host}`).origin;
    } catch {
      // A malformed Host header: keep the configured origin.
    }
  }
  return `${origin}${PROTECTED_RESOURCE_PATH}${wellKnownSuffix(routePath)}`;
}

/** An RFC 7230 quoted-string. */
function quoted(value: string): string {
  return `"${value.replace(/[\\"]/g, (char) => `\\${char}`).replace(/[\r\n]/g, ' ')}"`;
}

export function bearerChallenge(params: [string, string | undefined][]): string {
  const parts = params.filter((param): param is [string, string] => param[1] !== undefined).map(([name, value]) => `${name}=${quoted(value)}`);
  return parts.length === 0 ? 'Bearer' : `Bearer ${parts.join(', ')}`;
}

export function textAnswer(status: number, body: string, headers: Record<string, string> = {}): McpHttpAnswer {
  return { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...CORS_HEADERS, ...headers }, body };
}

/**
 * 401. Without a token the challenge carries no error code (RFC 6750 §3.1); with a rejected token
 * it says `invalid_token`. `scope` lists scopes_supported so clients know what to ask for.
 */
export function unauthorizedAnswer(metadataUrl: string, scopesSupported: string[], rejected: { description: string } | undefined): McpHttpAnswer {
  const scope = scopesSupported.length > 0 ? scopesSupported.join(' ') : undefined;
  const challenge = rejected === undefined
    ? bearerChallenge([['resource_metadata', metadataUrl], ['scope', scope]])
    : bearerChallenge([['error', 'invalid_token'], ['error_description', rejected.description], ['resource_metadata', metadataUrl], ['scope', scope]]);
  const body = rejected === undefined ? 'missing bearer token' : `invalid bearer token: ${rejected.description}`;
  return textAnswer(401, body, { 'www-authenticate': challenge });
}

/**
 * 403. With OAuth and scopes that would help, an `insufficient_scope` challenge (MCP 2025-11-25
 * step-up); otherwise a plain deny, so clients do not loop re-authorizing for nothing.
 */
export function forbiddenAnswer(metadataUrl: string | undefined, challengeScopes: string[]): McpHttpAnswer {
  if (metadataUrl === undefined || challengeScopes.length === 0) return textAnswer(403, 'access denied');
  const challenge = bearerChallenge([
    ['error', 'insufficient_scope'],
    ['scope', challengeScopes.join(' ')],
    ['resource_metadata', metadataUrl],
    ['error_description', 'The token is missing required scopes'],
  ]);
  return textAnswer(403, 'access denied', { 'www-authenticate': challenge });
}

/** 503: the gateway cannot check tokens right now; the client's token may well be fine. */
export function unavailableAnswer(): McpHttpAnswer {
  return textAnswer(503, 'cannot verify the access token right now: the signing keys (JWKS) are unavailable', { 'retry-after': '5' });
}
