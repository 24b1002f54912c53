import { list, record, string, stringOrAbsent, strings } from './config-readers.js';
import type { McpAuthorizationConfig, McpAuthorizationRule, McpBackendConfig, McpConfig, McpOAuthConfig, McpRouteConfig } from './mcp-config.js';
import { AigwError } from '../common/errors.js';

/** Parses `FilterConfig.mcp` as written by the compiler (see mcp-config.ts). */
export function parseMcpConfig(value: unknown, path: string): McpConfig {
  const mcp = record(value, path);
  return { routes: list(mcp.routes, `${path}.routes`).map((item, i) => parseRoute(item, `${path}.routes[${i}]`)) };
}

function parseRoute(value: unknown, path: string): McpRouteConfig {
  const route = record(value, path);
  const result: McpRouteConfig = {
    name: string(route.name, `${path}.name`),
    path: string(route.path, `${path}.path`),
    listeners: strings(route.listeners, `${path}.listeners`),
    hostnames: strings(route.hostnames ?? [], `${path}.hostnames`),
    backends: list(route.backends, `${path}.backends`).map((item, i) => parseBackend(item, `${path}.backends[${i}]`)),
  };
  if (route.oauth !== undefined) result.oauth = parseOAuth(route.oauth, `${path}.oauth`);
  if (route.authorization !== undefined) result.authorization = parseAuthorization(route.authorization, `${path}.authorization`);
  if (route.backendSelector !== undefined) result.backendSelector = parseAuthorization(route.backendSelector, `${path}.backendSelector`);
  return result;
}

function parseBackend(value: unknown, path: string): McpBackendConfig {
  const backend = record(value, path);
  const result: McpBackendConfig = {
    name: string(backend.name, `${path}.name`),
    url: string(backend.url, `${path}.url`),
    headers: list(backend.headers ?? [], `${path}.headers`).map((item, i) => {
      const header = record(item, `${path}.headers[${i}]`);
      return { name: string(header.name, `${path}.headers[${i}].name`), value: string(header.value, `${path}.headers[${i}].value`) };
    }),
    forwardHeaders: list(backend.forwardHeaders ?? [], `${path}.forwardHeaders`).map((item, i) => {
      const header = record(item, `${path}.forwardHeaders[${i}]`);
      return { name: string(header.name, `${path}.forwardHeaders[${i}].name`), backendHeader: string(header.backendHeader, `${path}.forwardHeaders[${i}].backendHeader`) };
    }),
  };
  const tlsServerName = stringOrAbsent(backend.tlsServerName, `${path}.tlsServerName`);
  if (tlsServerName !== undefined) result.tlsServerName = tlsServerName;
  if (backend.apiKey !== undefined) {
    const apiKey = record(backend.apiKey, `${path}.apiKey`);
    const header = stringOrAbsent(apiKey.header, `${path}.apiKey.header`);
    const queryParam = stringOrAbsent(apiKey.queryParam, `${path}.apiKey.queryParam`);
    result.apiKey = { value: string(apiKey.value, `${path}.apiKey.value`), ...(header !== undefined ? { header } : {}), ...(queryParam !== undefined ? { queryParam } : {}) };
  }
  if (backend.toolSelector !== undefined) {
    const selector = record(backend.toolSelector, `${path}.toolSelector`);
    result.toolSelector = {};
    for (const key of ['include', 'includeRegex', 'exclude', 'excludeRegex'] as const) {
      if (selector[key] !== undefined) result.toolSelector[key] = strings(selector[key], `${path}.toolSelector.${key}`);
    }
  }
  return result;
}

function parseOAuth(value: unknown, path: string): McpOAuthConfig {
  const oauth = record(value, path);
  const jwks = record(oauth.jwks, `${path}.jwks`);
  let parsedJwks: McpOAuthConfig['jwks'];
  if (jwks.type === 'remote') {
    const seconds = jwks.cacheDurationSeconds;
    if (typeof seconds !== 'number' || seconds < 0) throw new AigwError('CONFIG', `${path}.jwks.cacheDurationSeconds: expected a non-negative number`);
    parsedJwks = { type: 'remote', uri: string(jwks.uri, `${path}.jwks.uri`), cacheDurationSeconds: seconds };
  } else if (jwks.type === 'local') {
    parsedJwks = { type: 'local', json: string(jwks.json, `${path}.jwks.json`) };
  } else {
    throw new AigwError('CONFIG', `${path}.jwks.type: expected "remote" or "local"`);
  }
  const metadata = record(oauth.protectedResourceMetadata, `${path}.protectedResourceMetadata`);
  const optional = (key: 'resourceName' | 'resourceDocumentation' | 'resourcePolicyUri'): Partial<Record<typeof key, string>> => {
    const text = stringOrAbsent(metadata[key], `${path}.protectedResourceMetadata.${key}`);
    return text !== undefined ? { [key]: text } : {};
  };
  return {
    issuer: string(oauth.issuer, `${path}.issuer`),
    audiences: strings(oauth.audiences ?? [], `${path}.audiences`),
    jwks: parsedJwks,
    protectedResourceMetadata: {
      resource: string(metadata.resource, `${path}.protectedResourceMetadata.resource`),
      ...optional('resourceName'),
      ...optional('resourceDocumentation'),
      ...optional('resourcePolicyUri'),
      ...(metadata.resourceSigningAlgValuesSupported !== undefined
        ? { resourceSigningAlgValuesSupported: strings(metadata.resourceSigningAlgValuesSupported, `${path}.protectedResourceMetadata.resourceSigningAlgValuesSupported`) }
        : {}),
      scopesSupported: strings(metadata.scopesSupported ?? [], `${path}.protectedResourceMetadata.scopesSupported`),
    },
    claimToHeaders: list(oauth.claimToHeaders ?? [], `${path}.claimToHeaders`).map((item, i) => {
      const mapping = record(item, `${path}.claimToHeaders[${i}]`);
      return { claim: string(mapping.claim, `${path}.claimToHeaders[${i}].claim`), header: string(mapping.header, `${path}.claimToHeaders[${i}].header`) };
    }),
  };
}

function action(value: unknown, path: string): 'Allow' | 'Deny' {
  if (value !== 'Allow' && value !== 'Deny') throw new AigwError('CONFIG', `${path}: expected "Allow" or "Deny"`);
  return value;
}

function parseAuthorization(value: unknown, path: string): McpAuthorizationConfig {
  const authorization = record(value, path);
  return {
    defaultAction: action(authorization.defaultAction, `${path}.defaultAction`),
    rules: list(authorization.rules ?? [], `${path}.rules`).map((item, i) => parseRule(item, `${path}.rules[${i}]`)),
  };
}

function parseRule(value: unknown, path: string): McpAuthorizationRule {
  const rule = record(value, path);
  const result: McpAuthorizationRule = { action: action(rule.action, `${path}.action`) };
  const cel = stringOrAbsent(rule.cel, `${path}.cel`);
  if (cel !== undefined) result.cel = cel;
  if (rule.tools !== undefined) {
    result.tools = list(rule.tools, `${path}.tools`).map((item, i) => {
      const tool = record(item, `${path}.tools[${i}]`);
      return { backend: string(tool.backend, `${path}.tools[${i}].backend`), tool: string(tool.tool, `${path}.tools[${i}].tool`) };
    });
  }
  if (rule.jwt !== undefined) {
    const jwt = record(rule.jwt, `${path}.jwt`);
    result.jwt = {
      scopes: strings(jwt.scopes ?? [], `${path}.jwt.scopes`),
      claims: list(jwt.claims ?? [], `${path}.jwt.claims`).map((item, i) => {
        const claim = record(item, `${path}.jwt.claims[${i}]`);
        const valueType = claim.valueType;
        if (valueType !== 'String' && valueType !== 'StringArray') throw new AigwError('CONFIG', `${path}.jwt.claims[${i}].valueType: expected "String" or "StringArray"`);
        return { name: string(claim.name, `${path}.jwt.claims[${i}].name`), valueType, values: strings(claim.values, `${path}.jwt.claims[${i}].values`) };
      }),
    };
  }
  return result;
}
