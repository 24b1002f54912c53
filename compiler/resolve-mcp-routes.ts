import type { McpBackendConfig, McpOAuthConfig, McpRouteConfig } from '../contract/mcp-config.js';
import type { McpRouteModel } from './gateway-model.js';
import { backendTls, type ResourceIndex } from './resource-index.js';
import { resolveParentListeners } from './resolve-parent-listeners.js';
import { jwksProblem, type MCPBackendRef, type MCPJwksSpec } from './resources/mcp-route.js';
import type { ResourceOf } from './resources/resource.js';

/**
 * MCPRoutes → the MCP proxy's routes: Backends become URLs the proxy calls directly (there is
 * no internal backend listener in aigw run), Secrets and ConfigMaps are inlined. Routes keep
 * document order; routes attached to no listener are left out.
 */
export function resolveMcpRoutes(index: ResourceIndex): McpRouteModel[] {
  const usedConfigMaps = new Set<string>();
  const routes: McpRouteModel[] = [];
  for (const route of index.all('MCPRoute')) {
    const listeners = resolveParentListeners(route, route.spec.parentRefs, index);
    if (listeners.length === 0) continue;
    const spec = route.spec;
    const config: McpRouteConfig = {
      name: `${route.metadata.namespace}/${route.metadata.name}`,
      path: spec.path,
      listeners,
      hostnames: spec.hostnames,
      backends: spec.backendRefs.flatMap((ref) => resolveBackend(route, ref, index) ?? []),
    };
    if (spec.oauth) {
      const jwks = resolveJwks(route, spec.oauth.jwks, index, usedConfigMaps);
      if (jwks) {
        const { resourceSigningAlgValuesSupported, scopesSupported, ...metadata } = spec.oauth.protectedResourceMetadata;
        // Advertise what the rules ask for, after the scopes the user lists (in rule order).
        const ruleScopes = (spec.authorization?.rules ?? []).flatMap((rule) => rule.jwt?.scopes ?? []);
        const oauth: McpOAuthConfig = {
          issuer: spec.oauth.issuer,
          audiences: spec.oauth.audiences,
          jwks,
          protectedResourceMetadata: {
            ...metadata,
            ...(resourceSigningAlgValuesSupported ? { resourceSigningAlgValuesSupported } : {}),
            scopesSupported: [...new Set([...scopesSupported, ...ruleScopes])],
          },
          claimToHeaders: spec.oauth.claimToHeaders,
        };
        config.oauth = oauth;
      }
    }
    if (spec.authorization) config.authorization = spec.authorization;
    if (spec.backendSelector) config.backendSelector = spec.backendSelector;
    routes.push({ config, headers: spec.headers });
  }
  for (const configMap of index.all('ConfigMap')) {
    if (!usedConfigMaps.has(`${configMap.metadata.namespace}/${configMap.metadata.name}`)) {
      configMap.reader.warn(undefined, 'not referenced by an MCPRoute (securityPolicy.oauth.jwks.localJWKS.valueRef): aigw run ignores it');
    }
  }
  return routes;
}

function resolveBackend(route: ResourceOf<'MCPRoute'>, ref: MCPBackendRef, index: ResourceIndex): McpBackendConfig | undefined {
  const namespace = ref.namespace ?? route.metadata.namespace;
  const backend = index.find('Backend', ref.name, namespace);
  if (!backend) {
    ref.reader.error('name', `Backend ${namespace}/${ref.name} not found`, 'define a gateway.envoyproxy.io Backend with the MCP server address');
    return undefined;
  }
  const [endpoint, ...others] = backend.spec.endpoints;
  if (!endpoint) return undefined;
  if (endpoint.kind === 'unix') {
    backend.reader.errorAt(['spec', 'endpoints', 0, 'unix'], `unix socket endpoints are not supported for MCP backends (MCPRoute ${route.metadata.name} uses this Backend)`, 'give the MCP server a TCP address (ip or fqdn)');
    return undefined;
  }
  // The proxy calls one address itself; Envoy's load balancing is not in that path.
  if (others.length > 0) backend.reader.warnAt(['spec', 'endpoints'], `MCPRoute ${route.metadata.name} uses the first endpoint only`);
  if (ref.port !== undefined && ref.port !== endpoint.port) ref.reader.warn('port', `ignored: the Backend endpoint's port ${endpoint.port} is used`);
  const host = endpoint.kind === 'fqdn' ? endpoint.hostname : endpoint.address.includes(':') ? `[${endpoint.address}]` : endpoint.address;
  const tls = backendTls(backend, index);
  const config: McpBackendConfig = {
    name: ref.name,
    // Written as WHATWG URL prints it: the scheme's default port left out.
    url: `${tls ? 'https' : 'http'}://${host}${endpoint.port === (tls ? 443 : 80) ? '' : `:${endpoint.port}`}${ref.path}`,
    headers: ref.headers,
    forwardHeaders: ref.forwardHeaders,
  };
  const hostname = endpoint.kind === 'fqdn' ? endpoint.hostname : endpoint.address;
  if (tls && tls.sni !== '' && tls.sni !== hostname) config.tlsServerName = tls.sni;
  if (ref.toolSelector) config.toolSelector = ref.toolSelector;
  if (ref.apiKey) {
    const value = apiKeyValue(route, ref, index);
    if (value === undefined) return undefined;
    config.apiKey = { value, ...(ref.apiKey.header !== undefined ? { header: ref.apiKey.header } : {}), ...(ref.apiKey.queryParam !== undefined ? { queryParam: ref.apiKey.queryParam } : {}) };
  }
  return config;
}

function apiKeyValue(route: ResourceOf<'MCPRoute'>, ref: MCPBackendRef, index: ResourceIndex): string | undefined {
  const apiKey = ref.apiKey;
  if (!apiKey) return undefined;
  let value = apiKey.inline;
  const secretRef = apiKey.secretRef;
  if (secretRef) {
    const namespace = secretRef.ref.namespace ?? route.metadata.namespace;
    const secret = index.find('Secret', secretRef.ref.name, namespace);
    if (!secret) {
      route.reader.errorAt(secretRef.path, `Secret ${namespace}/${secretRef.ref.name} not found`);
      return undefined;
    }
    value = secret.spec.data.apiKey;
    if (value === undefined) {
      secret.reader.errorAt(['stringData'], `the Secret has no "apiKey" key, which MCPRoute ${route.metadata.name} reads for backend ${ref.name}`, 'add stringData.apiKey');
      return undefined;
    }
  }
  if (value === undefined) return undefined;
  // A key from a file or an environment variable often ends with a newline.
  const key = value.trim();
  if (key === '') ref.reader.warn('securityPolicy', `the API key of backend ${ref.name} is empty (an unset environment variable?); the MCP server will see no usable key`);
  return key;
}

function resolveJwks(route: ResourceOf<'MCPRoute'>, jwks: MCPJwksSpec, index: ResourceIndex, used: Set<string>): McpOAuthConfig['jwks'] | undefined {
  if (jwks.type !== 'configMap') return jwks;
  const namespace = route.metadata.namespace;
  const configMap = index.find('ConfigMap', jwks.name, namespace);
  if (!configMap) {
    route.reader.errorAt(jwks.path, `ConfigMap ${namespace}/${jwks.name} not found`, 'define it with the JWKS under data.jwks');
    return undefined;
  }
  used.add(`${namespace}/${jwks.name}`);
  const json = configMap.spec.data.jwks;
  if (json === undefined) {
    configMap.reader.errorAt(['data'], `the ConfigMap has no "jwks" key, which MCPRoute ${route.metadata.name} reads as its JWKS`, 'add data.jwks');
    return undefined;
  }
  const problem = jwksProblem(json);
  if (problem) {
    configMap.reader.errorAt(['data', 'jwks'], `Invalid value: ${problem}`);
    return undefined;
  }
  return { type: 'local', json };
}
