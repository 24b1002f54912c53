import { METADATA_NAMESPACE } from '../contract/filter-config.js';
import { wellKnownSuffix } from '../mcp/auth/challenges.js';
import { MCP_METADATA_HEADERS, MCP_METADATA_KEYS, MCP_ROUTE_HEADER } from '../contract/mcp-config.js';
import { typeUrl, type Json } from './envoy-json.js';
import type { McpRouteModel } from './gateway-model.js';
import type { HeaderMatch } from './resources/ai-gateway-route.js';

/** The cluster of the ext_proc process's MCP proxy (HTTP/1.1 over a unix socket). */
export const MCP_PROXY_CLUSTER = 'aigw-mcp-proxy';

/** Upstream's MCP route timeouts are 30m; the total is left open so a GET event stream may last. */
const MCP_IDLE_TIMEOUT = '1800s';

/** RFC 9728 / RFC 8414 / OIDC discovery documents an OAuth-protected MCP endpoint serves. */
const WELL_KNOWN = ['/.well-known/oauth-protected-resource', '/.well-known/oauth-authorization-server', '/.well-known/openid-configuration'];

/**
 * Envoy routes for the MCPRoutes of one listener, to go before the LLM routes. Each route sends
 * its exact `path` (every method: POST, GET and DELETE are all MCP) to the MCP proxy, naming
 * itself in `x-ai-eg-mcp-route` (overwriting what a client sent). With OAuth, the well-known
 * metadata paths for that path go there too, and the root ones (what 2025-03-26 clients, and
 * later clients whose 401 lacks `resource_metadata`, ask for) go to the first such route per
 * host set (the proxy answers both forms: extproc/mcp/auth/well-known.ts).
 */
export function mcpEnvoyRoutes(attached: readonly McpRouteModel[]): Json[] {
  // More specific routes first: Envoy takes the first match.
  const ordered = [...attached].sort(
    (a, b) => Number(b.config.hostnames.length > 0) - Number(a.config.hostnames.length > 0) || b.headers.length - a.headers.length,
  );
  const rootClaims = new Set<string>();
  const routes: Json[] = [];
  for (const route of ordered) {
    const hosts = hostMatchers(route.config.hostnames);
    routes.push(proxyRoute(route, route.config.path, [...hosts, ...route.headers.map(headerMatcher)]));
    if (!route.config.oauth) continue;
    // The proxy serves the documents under the route path and under the `resource` URL's path
    // (the same unless a front proxy rewrites paths), trailing slashes trimmed (RFC 8414 §3).
    const suffixes = new Set([wellKnownSuffix(route.config.path), wellKnownSuffix(urlPath(route.config.oauth.protectedResourceMetadata.resource))]);
    suffixes.delete('');
    for (const suffix of suffixes) for (const prefix of WELL_KNOWN) routes.push(proxyRoute(route, `${prefix}${suffix}`, hosts));
    const hostKey = [...route.config.hostnames].sort().join(',');
    if (rootClaims.has(hostKey)) continue;
    rootClaims.add(hostKey);
    for (const prefix of WELL_KNOWN) routes.push(proxyRoute(route, prefix, hosts));
  }
  return routes;
}

const MCP_BACKEND_HEADER = 'x-ai-eg-mcp-backend';

function urlPath(url: string): string {
  return URL.canParse(url) ? new URL(url).pathname : '';
}

function proxyRoute(route: McpRouteModel, path: string, headers: Json[]): Json {
  return {
    name: `mcp:${route.config.name}:${path}`,
    match: { path, ...(headers.length > 0 ? { headers } : {}) },
    route: { cluster: MCP_PROXY_CLUSTER, timeout: '0s', idle_timeout: MCP_IDLE_TIMEOUT },
    request_headers_to_add: [
      { header: { key: MCP_ROUTE_HEADER, value: route.config.name }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
      // Access-log `matches` written for upstream's topology select MCP requests by this header,
      // which there the proxy's per-backend calls carry; here the client's request goes to one
      // proxy that fans out, so the header names the route (the backend is in the metadata).
      { header: { key: MCP_BACKEND_HEADER, value: route.config.name }, append_action: 'OVERWRITE_IF_EXISTS_OR_ADD' },
    ],
    // The MCP proxy reads the body itself; the LLM ext_proc has nothing to do here.
    typed_per_filter_config: {
      'envoy.filters.http.ext_proc': { '@type': typeUrl('envoy.extensions.filters.http.ext_proc.v3.ExtProcPerRoute'), disabled: true },
    },
  };
}

function headerMatcher(header: HeaderMatch): Json {
  return { name: header.name, string_match: header.type === 'Exact' ? { exact: header.value } : { safe_regex: { regex: header.value } } };
}

/** Gateway API hostnames as one `:authority` matcher (any port, any case); none: every host. */
function hostMatchers(hostnames: readonly string[]): Json[] {
  if (hostnames.length === 0) return [];
  const alternatives = hostnames.map((hostname) => {
    const escaped = (name: string): string => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // `*.example.com` matches one or more labels before `.example.com`, never example.com itself.
    return hostname.startsWith('*.') ? `[^:/]+${escaped(hostname.slice(1))}` : escaped(hostname);
  });
  return [{ name: ':authority', string_match: { safe_regex: { regex: `(?i)(?:${alternatives.join('|')})(?::[0-9]+)?` } } }];
}

/**
 * Turns the MCP proxy's `x-ai-eg-mcp-metadata-*` response headers into dynamic metadata for the
 * access log, and removes them before the client sees them.
 */
export function mcpMetadataFilter(): Json {
  const keys = Object.keys(MCP_METADATA_HEADERS).filter((key): key is keyof typeof MCP_METADATA_HEADERS => Object.hasOwn(MCP_METADATA_HEADERS, key));
  return {
    name: 'envoy.filters.http.header_to_metadata',
    typed_config: {
      '@type': typeUrl('envoy.extensions.filters.http.header_to_metadata.v3.Config'),
      response_rules: keys.map((key) => ({
        header: MCP_METADATA_HEADERS[key],
        on_header_present: { metadata_namespace: METADATA_NAMESPACE, key: MCP_METADATA_KEYS[key], type: 'STRING' },
        remove: true,
      })),
    },
  };
}

export function mcpProxyCluster(socketPath: string): Json {
  return {
    name: MCP_PROXY_CLUSTER,
    type: 'STATIC',
    connect_timeout: '5s',
    load_assignment: { cluster_name: MCP_PROXY_CLUSTER, endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: socketPath } } } }] }] },
    typed_extension_protocol_options: {
      'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': {
        '@type': typeUrl('envoy.extensions.upstreams.http.v3.HttpProtocolOptions'),
        explicit_http_config: { http_protocol_options: {} },
      },
    },
  };
}
