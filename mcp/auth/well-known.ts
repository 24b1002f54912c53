// The OAuth discovery documents a route with `securityPolicy.oauth` serves (GET, HEAD; OPTIONS for
// CORS preflight), each at the root and with the route path inserted (RFC 9728 §3.1 / RFC 8414 §3):
// - `/.well-known/oauth-protected-resource[<path>]`: RFC 9728 metadata built from the config. The
//   root form is answered too because MCP 2025-11-25 clients fall back to it; the proxy only asks
//   this route about requests already routed to it, so the root is not shared between routes.
// - `/.well-known/oauth-authorization-server[<path>]`, `/.well-known/openid-configuration[<path>]`:
//   the issuer's own document (2025-03-26 clients look for it on the MCP server), or a 502.

import type { McpOAuthConfig } from '../../contract/mcp-config.js';
import type { McpHttpAnswer, McpHttpRequest } from './mcp-route-auth.js';
import { createAuthorizationServerMetadata, type MetadataKind } from './authorization-server-metadata.js';
import { CORS_HEADERS, PROTECTED_RESOURCE_PATH, textAnswer, wellKnownSuffix } from './challenges.js';
import type { Logger } from '../../common/logger.js';

type Document = 'protected-resource' | MetadataKind;

const PREFIXES: [string, Document][] = [
  [PROTECTED_RESOURCE_PATH, 'protected-resource'],
  ['/.well-known/oauth-authorization-server', 'oauth'],
  ['/.well-known/openid-configuration', 'oidc'],
];

const METADATA_CORS = { ...CORS_HEADERS, 'access-control-allow-methods': 'GET, HEAD, OPTIONS', 'access-control-allow-headers': 'mcp-protocol-version' };

export type WellKnownHandler = (request: McpHttpRequest) => Promise<McpHttpAnswer | undefined>;

/** RFC 9728 §2 metadata of the route's protected resource. */
export function protectedResourceMetadata(oauth: McpOAuthConfig): Record<string, unknown> {
  const metadata = oauth.protectedResourceMetadata;
  return {
    resource: metadata.resource,
    authorization_servers: [oauth.issuer],
    bearer_methods_supported: ['header'],
    ...(metadata.scopesSupported.length > 0 ? { scopes_supported: metadata.scopesSupported } : {}),
    ...(metadata.resourceName !== undefined ? { resource_name: metadata.resourceName } : {}),
    ...(metadata.resourceDocumentation !== undefined ? { resource_documentation: metadata.resourceDocumentation } : {}),
    ...(metadata.resourcePolicyUri !== undefined ? { resource_policy_uri: metadata.resourcePolicyUri } : {}),
    ...(metadata.resourceSigningAlgValuesSupported !== undefined ? { resource_signing_alg_values_supported: metadata.resourceSigningAlgValuesSupported } : {}),
  };
}

function jsonAnswer(document: unknown): McpHttpAnswer {
  return { status: 200, headers: { 'content-type': 'application/json', ...METADATA_CORS }, body: JSON.stringify(document) };
}

export function createWellKnownHandler(oauth: McpOAuthConfig, routePath: string, options: { fetch: typeof fetch; now: () => number; logger?: Logger | undefined }): WellKnownHandler {
  const suffixes = new Set(['', wellKnownSuffix(routePath)]);
  try {
    suffixes.add(wellKnownSuffix(new URL(oauth.protectedResourceMetadata.resource).pathname));
  } catch {
    // `resource` is validated as a URI by the API; without it, only the route path is served.
  }
  const served = new Map<string, Document>();
  for (const [prefix, document] of PREFIXES) for (const suffix of suffixes) served.set(`${prefix}${suffix}`, document);
  const issuerMetadata = createAuthorizationServerMetadata(oauth.issuer, options);
  const resourceDocument = protectedResourceMetadata(oauth);

  return async (request) => {
    const document = served.get(request.path.length > 1 ? request.path.replace(/\/+$/, '') : request.path);
    if (document === undefined) return undefined;
    const method = request.method.toUpperCase();
    if (method === 'OPTIONS') return { status: 204, headers: { ...METADATA_CORS, 'access-control-max-age': '86400' }, body: '' };
    if (method !== 'GET' && method !== 'HEAD') return textAnswer(405, 'method not allowed', { allow: 'GET, HEAD, OPTIONS' });
    if (document === 'protected-resource') return jsonAnswer(resourceDocument);
    const fetched = await issuerMetadata.get(document);
    if (fetched instanceof Error) return textAnswer(502, `authorization server metadata unavailable: ${fetched.message}`, METADATA_CORS);
    return jsonAnswer(fetched);
  };
}
