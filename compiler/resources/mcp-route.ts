import { isRecord } from '../../common/json-guards.js';
import type { McpAuthorizationConfig, McpAuthorizationRule, McpBackendConfig } from '../../contract/mcp-config.js';
import { checkMcpCel } from '../check-mcp-cel.js';
import type { FieldReader } from '../field-reader.js';
import { parseDuration } from '../quantities.js';
import type { HeaderMatch } from './ai-gateway-route.js';
import type { SecretRef } from './backend-security-policy.js';
import { readReference, type ObjectMeta, type ObjectReference } from './object-meta.js';

/**
 * aigw's annotation carrying the static headers of one backendRef (`--mcp-config` headers other
 * than the Bearer token): `mcp-headers.aigw.run/<backendRef name>: '<JSON object name → value>'`.
 * Upstream ignores annotations, so the generated MCPRoute stays deployable as is.
 */
export const MCP_HEADERS_ANNOTATION = 'mcp-headers.aigw.run/';

/** MCPRoute (`aigateway.envoyproxy.io` v1alpha1/v1beta1): one MCP endpoint over many MCP servers. */
export interface MCPRouteSpec {
  parentRefs: ObjectReference[];
  /** Lower-cased; empty means every host. */
  hostnames: string[];
  /** Default `/mcp`. */
  path: string;
  /** `spec.headers`: every one must match for the route to apply. Names lower-cased. */
  headers: HeaderMatch[];
  backendRefs: MCPBackendRef[];
  backendSelector?: McpAuthorizationConfig;
  oauth?: MCPOAuthSpec;
  authorization?: McpAuthorizationConfig;
}

export interface MCPBackendRef {
  name: string;
  namespace?: string;
  port?: number;
  /** Default `/mcp`. */
  path: string;
  toolSelector?: McpBackendConfig['toolSelector'];
  apiKey?: { header?: string; queryParam?: string; inline?: string; secretRef?: SecretRef };
  forwardHeaders: McpBackendConfig['forwardHeaders'];
  /** From the `mcp-headers.aigw.run/<name>` annotation. */
  headers: McpBackendConfig['headers'];
  reader: FieldReader;
}

export type MCPJwksSpec =
  | { type: 'remote'; uri: string; cacheDurationSeconds: number }
  | { type: 'local'; json: string }
  /** `localJWKS.valueRef`: key `jwks` of a ConfigMap in the route's namespace. */
  | { type: 'configMap'; name: string; path: (string | number)[] };

export interface MCPOAuthSpec {
  issuer: string;
  audiences: string[];
  jwks: MCPJwksSpec;
  protectedResourceMetadata: {
    resource: string;
    resourceName?: string;
    resourceDocumentation?: string;
    resourcePolicyUri?: string;
    resourceSigningAlgValuesSupported?: string[];
    scopesSupported: string[];
  };
  claimToHeaders: { claim: string; header: string }[];
}

const DEFAULT_PATH = '/mcp';
const DEFAULT_JWKS_CACHE_SECONDS = 300;
const HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** Gateway API HTTPHeaderName. */
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
const ENVOY_GATEWAY = 'gateway.envoyproxy.io';
const UNSUPPORTED_AUTH_HINT = 'aigw run authenticates MCP clients with securityPolicy.oauth only: remove it, or put the check in front of aigw';

export function readMCPRouteSpec(spec: FieldReader, metadata: ObjectMeta, root: FieldReader): MCPRouteSpec {
  // Admission's CEL rules have refused a parent that is not a Gateway, duplicate backendRef
  // names, and the mutually exclusive or missing fields below; the readers check the rest.
  const parentRefs = spec.objects('parentRefs').map((ref) => readReference(ref));
  if (!spec.has('parentRefs')) spec.error('parentRefs', 'Required value');
  const hostnames = spec.strings('hostnames').map((hostname) => hostname.toLowerCase());
  hostnames.forEach((hostname, i) => {
    if (!HOSTNAME.test(hostname)) spec.errorAt([...spec.path, 'hostnames', i], `Invalid value: ${JSON.stringify(hostname)}: must be a DNS name, optionally prefixed with "*."`);
  });
  const path = readPath(spec, 'path');
  const headers = readHeaderMatches(spec);
  const staticHeaders = readStaticHeaders(metadata, root);
  if (!spec.has('backendRefs')) spec.error('backendRefs', 'Required value');
  const backendRefs = spec.objects('backendRefs').map((ref) => readBackendRef(ref, staticHeaders));
  if (spec.has('backendRefs') && backendRefs.length === 0) spec.error('backendRefs', 'Invalid value: must have at least 1 item');
  if (backendRefs.length > 256) spec.error('backendRefs', `Too many: ${backendRefs.length}: must have at most 256 items`);
  const seen = new Set<string>();
  for (const ref of backendRefs) seen.add(ref.name);
  for (const [name] of staticHeaders) {
    if (!seen.has(name)) root.errorAt(['metadata', 'annotations', `${MCP_HEADERS_ANNOTATION}${name}`], `no backendRef is named ${JSON.stringify(name)}`, 'name the annotation after a backendRef');
  }
  const result: MCPRouteSpec = { parentRefs, hostnames, path, headers, backendRefs };
  const backendSelector = spec.object('backendSelector');
  if (backendSelector) {
    result.backendSelector = readAuthorization(backendSelector, false);
    if (result.backendSelector.defaultAction === 'Deny' && result.backendSelector.rules.length === 0) {
      spec.warn('backendSelector', 'no rules and defaultAction Deny: no session can use any backend');
    }
  }
  const security = spec.object('securityPolicy');
  if (security) {
    const oauth = security.object('oauth');
    if (oauth) {
      const read = readOAuth(oauth);
      if (read) result.oauth = read;
    }
    const authorization = security.object('authorization');
    if (authorization) {
      result.authorization = readAuthorization(authorization, true);
      checkToolTargets(authorization, result.authorization, seen);
    }
    if (security.has('apiKeyAuth')) security.unsupported('apiKeyAuth', 'securityPolicy.apiKeyAuth is not supported by aigw run', UNSUPPORTED_AUTH_HINT);
    if (security.has('extAuth')) security.unsupported('extAuth', 'securityPolicy.extAuth is not supported by aigw run', UNSUPPORTED_AUTH_HINT);
    security.ignore('apiKeyAuth');
    security.ignore('extAuth');
    security.done();
  }
  spec.done();
  return result;
}

/** A path (route or backend): default `/mcp`, must be absolute. */
function readPath(reader: FieldReader, key: string): string {
  const path = reader.string(key) ?? DEFAULT_PATH;
  if (!path.startsWith('/')) reader.error(key, `Invalid value: ${JSON.stringify(path)}: must start with "/"`);
  else if (path.length > 1024) reader.error(key, `Too long: may not be longer than 1024`);
  return path;
}

function readHeaderMatches(spec: FieldReader): HeaderMatch[] {
  const names = new Set<string>();
  const headers = spec.objects('headers').map((header): HeaderMatch => {
    const type = header.oneOf('type', ['Exact', 'RegularExpression'] as const) ?? 'Exact';
    const name = header.requiredString('name');
    const value = header.requiredString('value');
    if (name && !HEADER_NAME.test(name)) header.error('name', `Invalid value: ${JSON.stringify(name)}: must be an HTTP header name`);
    if (names.has(name.toLowerCase())) header.error('name', `Duplicate value: ${JSON.stringify(name)}`);
    names.add(name.toLowerCase());
    if (type === 'RegularExpression') checkRegex(header, 'value', value);
    header.done();
    return { type, name: name.toLowerCase(), value };
  });
  if (headers.length > 16) spec.error('headers', `Too many: ${headers.length}: must have at most 16 items`);
  return headers;
}

/** The `mcp-headers.aigw.run/<backend>` annotations: backend name → headers, in JSON order. */
function readStaticHeaders(metadata: ObjectMeta, root: FieldReader): Map<string, McpBackendConfig['headers']> {
  const result = new Map<string, McpBackendConfig['headers']>();
  for (const [key, text] of Object.entries(metadata.annotations)) {
    if (!key.startsWith(MCP_HEADERS_ANNOTATION)) continue;
    const at = ['metadata', 'annotations', key];
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      root.errorAt(at, `Invalid value: not JSON (${error instanceof Error ? error.message : String(error)})`, 'after ${VAR} substitution the value must be a JSON object of header values; a quote or backslash in a variable breaks it');
      continue;
    }
    if (!isRecord(parsed)) {
      root.errorAt(at, 'Invalid value: must be a JSON object of header values by name');
      continue;
    }
    const headers: McpBackendConfig['headers'] = [];
    for (const [name, value] of Object.entries(parsed)) {
      if (typeof value !== 'string') root.errorAt(at, `Invalid value: header ${JSON.stringify(name)}: must be a string`);
      else if (!HEADER_NAME.test(name)) root.errorAt(at, `Invalid value: ${JSON.stringify(name)}: must be an HTTP header name`);
      else headers.push({ name, value });
    }
    result.set(key.slice(MCP_HEADERS_ANNOTATION.length), headers);
  }
  return result;
}

function readBackendRef(ref: FieldReader, staticHeaders: Map<string, McpBackendConfig['headers']>): MCPBackendRef {
  const name = ref.requiredString('name');
  const group = ref.string('group') ?? '';
  const kind = ref.string('kind') ?? 'Service';
  if (group === '' && kind === 'Service') {
    ref.unsupported(ref.has('kind') ? 'kind' : 'name', 'Service backends are not supported by aigw run: there is no cluster to resolve a Service in', `define a Backend with the server's address and reference it with kind: Backend, group: ${ENVOY_GATEWAY}`);
  } else if (kind !== 'Backend' || group !== ENVOY_GATEWAY) {
    ref.unsupported(ref.has('kind') ? 'kind' : 'group', `${kind} (group ${JSON.stringify(group)}) backends are not supported by aigw run`, `reference a Backend: kind: Backend, group: ${ENVOY_GATEWAY}`);
  }
  const namespace = ref.string('namespace');
  const port = ref.integer('port', { min: 1, max: 65535 });
  const path = readPath(ref, 'path');
  const result: MCPBackendRef = { name, path, forwardHeaders: [], headers: staticHeaders.get(name) ?? [], reader: ref };
  if (namespace !== undefined) result.namespace = namespace;
  if (port !== undefined) result.port = port;
  const selector = ref.object('toolSelector');
  if (selector) result.toolSelector = readToolSelector(selector);
  result.forwardHeaders = ref.objects('forwardHeaders').map((header) => {
    const headerName = header.requiredString('name').toLowerCase();
    const backendHeader = header.string('backendHeader')?.toLowerCase() || headerName;
    header.done();
    return { name: headerName, backendHeader };
  });
  if (result.forwardHeaders.length > 32) ref.error('forwardHeaders', `Too many: ${result.forwardHeaders.length}: must have at most 32 items`);
  const security = ref.object('securityPolicy');
  if (security) {
    const apiKey = security.object('apiKey');
    if (apiKey) result.apiKey = readApiKey(apiKey);
    security.done();
  }
  ref.done();
  return result;
}

function readToolSelector(selector: FieldReader): NonNullable<MCPBackendRef['toolSelector']> {
  const result: NonNullable<MCPBackendRef['toolSelector']> = {};
  for (const key of ['include', 'includeRegex', 'exclude', 'excludeRegex'] as const) {
    if (!selector.has(key)) {
      selector.ignore(key);
      continue;
    }
    const values = selector.strings(key);
    if (values.length > 32) selector.error(key, `Too many: ${values.length}: must have at most 32 items`);
    if (key.endsWith('Regex')) values.forEach((pattern, i) => checkRegex(selector, i, pattern, key));
    result[key] = values;
  }
  selector.done();
  return result;
}

function readApiKey(apiKey: FieldReader): NonNullable<MCPBackendRef['apiKey']> {
  const result: NonNullable<MCPBackendRef['apiKey']> = {};
  const header = apiKey.string('header');
  const queryParam = apiKey.string('queryParam');
  const inline = apiKey.string('inline');
  const secretRef = apiKey.object('secretRef');
  if (header !== undefined) {
    if (header === '' || !HEADER_NAME.test(header)) apiKey.error('header', `Invalid value: ${JSON.stringify(header)}: must be an HTTP header name`);
    result.header = header.toLowerCase();
  }
  if (queryParam !== undefined) {
    if (queryParam === '') apiKey.error('queryParam', 'Invalid value: "": should be at least 1 chars long');
    result.queryParam = queryParam;
  }
  if (inline !== undefined) result.inline = inline;
  if (secretRef) {
    const ref = readReference(secretRef);
    if ((ref.kind ?? 'Secret') !== 'Secret' || (ref.group ?? '') !== '') secretRef.unsupported('kind', `${ref.kind ?? ''} references are not supported by aigw run`, 'reference a core v1 Secret');
    result.secretRef = { ref, path: [...secretRef.path, 'name'] };
  }
  apiKey.done();
  return result;
}

function readAuthorization(reader: FieldReader, withSourceAndTarget: boolean): McpAuthorizationConfig {
  const defaultAction = reader.oneOf('defaultAction', ['Allow', 'Deny'] as const) ?? 'Deny';
  const rules = reader.objects('rules').map((rule): McpAuthorizationRule => {
    const result: McpAuthorizationRule = { action: rule.oneOf('action', ['Allow', 'Deny'] as const) ?? 'Allow' };
    const cel = rule.string('cel');
    if (cel !== undefined) {
      const problem = cel.length > 4096 ? 'Too long: may not be longer than 4096' : checkMcpCel(cel);
      if (problem !== undefined) rule.error('cel', problem.startsWith('Too long') ? problem : `Invalid value: ${problem}`);
      result.cel = cel;
    }
    if (withSourceAndTarget) {
      const source = rule.object('source');
      if (source) {
        const jwt = source.requiredObject('jwt');
        if (jwt) result.jwt = readJwtSource(jwt);
        source.done();
      }
      const target = rule.object('target');
      if (target) {
        if (!target.has('tools')) target.error('tools', 'Required value');
        result.tools = target.objects('tools').map((tool) => {
          const entry = { backend: tool.requiredString('backend'), tool: tool.requiredString('tool') };
          tool.done();
          return entry;
        });
        if (target.has('tools') && result.tools.length === 0) target.error('tools', 'Invalid value: must have at least 1 item');
        if (result.tools.length > 16) target.error('tools', `Too many: ${result.tools.length}: must have at most 16 items`);
        target.done();
      }
    }
    rule.done();
    return result;
  });
  if (rules.length > 32) reader.error('rules', `Too many: ${rules.length}: must have at most 32 items`);
  reader.done();
  return { defaultAction, rules };
}

function readJwtSource(jwt: FieldReader): NonNullable<McpAuthorizationRule['jwt']> {
  const scopes = jwt.strings('scopes');
  scopes.forEach((scope, i) => {
    if (scope === '') jwt.errorAt([...jwt.path, 'scopes', i], 'Invalid value: "": should be at least 1 chars long');
  });
  if (scopes.length > 16) jwt.error('scopes', `Too many: ${scopes.length}: must have at most 16 items`);
  const claims = jwt.objects('claims').map((claim) => {
    const name = claim.requiredString('name');
    const valueType = claim.oneOf('valueType', ['String', 'StringArray'] as const) ?? 'String';
    if (!claim.has('values')) claim.error('values', 'Required value');
    const values = claim.strings('values');
    if (claim.has('values') && values.length === 0) claim.error('values', 'Invalid value: must have at least 1 item');
    claim.done();
    return { name, valueType, values };
  });
  if (claims.length > 16) jwt.error('claims', `Too many: ${claims.length}: must have at most 16 items`);
  jwt.done();
  return { scopes, claims };
}

/** A target naming a backend the route does not have can never match: almost surely a typo. */
function checkToolTargets(reader: FieldReader, authorization: McpAuthorizationConfig, backends: Set<string>): void {
  authorization.rules.forEach((rule, i) => {
    rule.tools?.forEach((tool, j) => {
      if (!backends.has(tool.backend)) {
        reader.warnAt([...reader.path, 'rules', i, 'target', 'tools', j, 'backend'], `${JSON.stringify(tool.backend)} is not a backendRef of this route: the target never matches`);
      }
    });
  });
}

function readOAuth(oauth: FieldReader): MCPOAuthSpec | undefined {
  const issuer = oauth.requiredString('issuer');
  checkUri(oauth, 'issuer', issuer);
  const audiences = oauth.strings('audiences');
  if (audiences.length > 32) oauth.error('audiences', `Too many: ${audiences.length}: must have at most 32 items`);
  const jwksReader = oauth.object('jwks');
  let jwks: MCPJwksSpec | undefined;
  if (jwksReader) jwks = readJwks(jwksReader);
  else {
    oauth.unsupported(
      'issuer',
      'oauth without jwks is not supported by aigw run: it does not discover the JWKS from the issuer',
      "set jwks.remoteJWKS.uri to the issuer's jwks_uri (see <issuer>/.well-known/openid-configuration)",
    );
  }
  const metadataReader = oauth.requiredObject('protectedResourceMetadata');
  const claimToHeaders = oauth.objects('claimToHeaders').map((mapping) => {
    const entry = { claim: mapping.requiredString('claim'), header: mapping.requiredString('header').toLowerCase() };
    if (entry.header !== '' && !HEADER_NAME.test(entry.header)) mapping.error('header', `Invalid value: ${JSON.stringify(entry.header)}: must be an HTTP header name`);
    mapping.done();
    return entry;
  });
  if (claimToHeaders.length > 16) oauth.error('claimToHeaders', `Too many: ${claimToHeaders.length}: must have at most 16 items`);
  oauth.done();
  if (!metadataReader || !jwks) return undefined;
  const resource = metadataReader.requiredString('resource');
  checkUri(metadataReader, 'resource', resource);
  const protectedResourceMetadata: MCPOAuthSpec['protectedResourceMetadata'] = { resource, scopesSupported: metadataReader.strings('scopesSupported') };
  const resourceName = metadataReader.string('resourceName');
  if (resourceName !== undefined) protectedResourceMetadata.resourceName = resourceName;
  for (const key of ['resourceDocumentation', 'resourcePolicyUri'] as const) {
    const value = metadataReader.string(key);
    if (value === undefined) continue;
    checkUri(metadataReader, key, value);
    protectedResourceMetadata[key] = value;
  }
  if (metadataReader.has('resourceSigningAlgValuesSupported')) {
    const algorithms = metadataReader.strings('resourceSigningAlgValuesSupported');
    if (algorithms.length === 0) metadataReader.error('resourceSigningAlgValuesSupported', 'Invalid value: must have at least 1 item');
    protectedResourceMetadata.resourceSigningAlgValuesSupported = algorithms;
  }
  metadataReader.done();
  return { issuer, audiences, jwks, protectedResourceMetadata, claimToHeaders };
}

function readJwks(jwks: FieldReader): MCPJwksSpec | undefined {
  const remote = jwks.object('remoteJWKS');
  const local = jwks.object('localJWKS');
  let result: MCPJwksSpec | undefined;
  if (remote) {
    const uri = remote.requiredString('uri');
    checkUri(remote, 'uri', uri);
    const cache = remote.string('cacheDuration');
    let cacheDurationSeconds = DEFAULT_JWKS_CACHE_SECONDS;
    if (cache !== undefined) {
      const milliseconds = parseDuration(cache);
      if (milliseconds === undefined) remote.error('cacheDuration', `Invalid value: ${JSON.stringify(cache)}: must be a duration such as 300s or 5m`);
      else cacheDurationSeconds = milliseconds / 1000;
    }
    for (const key of ['backendRef', 'backendRefs', 'backendSettings']) {
      if (remote.has(key)) remote.unsupported(key, `remoteJWKS.${key} is not supported by aigw run: the JWKS is fetched directly from the uri`, 'remove it');
      remote.ignore(key);
    }
    remote.done();
    result = { type: 'remote', uri, cacheDurationSeconds };
  }
  if (local) {
    // Admission's CEL rule has refused a type that does not match the one field set.
    local.oneOf('type', ['Inline', 'ValueRef'] as const);
    const inline = local.string('inline');
    const valueRef = local.object('valueRef');
    if (inline !== undefined) {
      const problem = jwksProblem(inline);
      if (problem) local.error('inline', `Invalid value: ${problem}`);
      result = { type: 'local', json: inline };
    } else if (valueRef) {
      const ref = readReference(valueRef);
      if (ref.kind !== 'ConfigMap' || (ref.group ?? '') !== '') {
        valueRef.unsupported('kind', `${ref.kind ?? '(no kind)'} is not supported by aigw run for localJWKS.valueRef`, 'reference a ConfigMap (kind: ConfigMap, group: "") whose key "jwks" holds the JWKS');
      }
      result = { type: 'configMap', name: ref.name, path: [...valueRef.path, 'name'] };
    }
    local.done();
  }
  jwks.done();
  return remote && local ? undefined : result;
}

/** Why a text is not a JSON Web Key Set, or undefined when it is one. */
export function jwksProblem(text: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return `the JWKS is not JSON (${error instanceof Error ? error.message : String(error)})`;
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.keys)) return 'the JWKS must be a JSON object with a "keys" list';
  return undefined;
}

/** `format=uri`: an absolute URI. */
function checkUri(reader: FieldReader, key: string, value: string): void {
  if (value === '') return;
  if (!URL.canParse(value)) reader.error(key, `Invalid value: ${JSON.stringify(value)}: must be an absolute URI`);
}

function checkRegex(reader: FieldReader, key: string | number, pattern: string, listKey?: string): void {
  try {
    // As the MCP proxy and the router compile them: whole-name matches.
    new RegExp(`^(?:${pattern})$`, 'u');
  } catch (error) {
    const path = listKey === undefined ? [...reader.path, key] : [...reader.path, listKey, key];
    reader.errorAt(path, `Invalid value: ${JSON.stringify(pattern)}: not a valid regular expression (${error instanceof Error ? error.message : String(error)})`);
  }
}
