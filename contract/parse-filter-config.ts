import { COST_TYPES, FILTER_CONFIG_VERSION, SCHEMA_NAMES, type BackendAuth, type BackendConfig, type BackendTimeouts, type CredentialOverride, type FilterConfig, type HeaderMutation, type LLMRequestCost, type ModelInfo, type RouteConfig, type RuleConfig } from './filter-config.js';
import { list, record, string } from './config-readers.js';
import { isOneOf } from '../common/json-guards.js';
import { parseMcpConfig } from './parse-mcp-config.js';
import { parseRateLimitConfig } from './parse-rate-limit-config.js';
import { AigwError } from '../common/errors.js';

/**
 * Parses a filter config read from disk. The compiler wrote it, but a config from another aigw
 * version (or a hand edit) must fail with a message, not with a TypeError deep in a request.
 */
export function parseFilterConfig(value: unknown): FilterConfig {
  const root = record(value, 'config');
  if (root.version !== FILTER_CONFIG_VERSION) {
    throw new AigwError('CONFIG', 
      `unsupported filter config version ${JSON.stringify(root.version)}: this ext_proc reads ${FILTER_CONFIG_VERSION}`,
    );
  }
  return {
    version: FILTER_CONFIG_VERSION,
    rules: list(root.rules, 'rules').map((item, i) => parseRule(item, `rules[${i}]`)),
    backends: list(root.backends, 'backends').map((item, i) => parseBackend(item, `backends[${i}]`)),
    routes: list(root.routes, 'routes').map((item, i) => parseRoute(item, `routes[${i}]`)),
    models: list(root.models, 'models').map((item, i) => parseModel(item, `models[${i}]`)),
    ...(root.mcp !== undefined ? { mcp: parseMcpConfig(root.mcp, 'mcp') } : {}),
    ...(root.rateLimit !== undefined ? { rateLimit: parseRateLimitConfig(root.rateLimit, 'rateLimit') } : {}),
  };
}

function parseRule(value: unknown, path: string): RuleConfig {
  const rule = record(value, path);
  if (rule.mode !== 'router' && rule.mode !== 'upstream') throw new AigwError('CONFIG', `${path}.mode: expected "router" or "upstream"`);
  return {
    name: string(rule.name, `${path}.name`),
    route: string(rule.route, `${path}.route`),
    headers: list(rule.headers, `${path}.headers`).map((item, i) => {
      const header = record(item, `${path}.headers[${i}]`);
      const type = header.type;
      if (type !== 'Exact' && type !== 'RegularExpression') throw new AigwError('CONFIG', `${path}.headers[${i}].type: expected Exact or RegularExpression`);
      return { name: string(header.name, `${path}.headers[${i}].name`), type, value: string(header.value, `${path}.headers[${i}].value`) };
    }),
    hostnames: list(rule.hostnames ?? [], `${path}.hostnames`).map((item, i) => string(item, `${path}.hostnames[${i}]`)),
    listeners: list(rule.listeners, `${path}.listeners`).map((item, i) => string(item, `${path}.listeners[${i}]`)),
    backends: list(rule.backends, `${path}.backends`).map((item, i) => {
      const backend = record(item, `${path}.backends[${i}]`);
      return { name: string(backend.name, `${path}.backends[${i}].name`), weight: integer(backend.weight, `${path}.backends[${i}].weight`), priority: integer(backend.priority, `${path}.backends[${i}].priority`) };
    }),
    mode: rule.mode,
  };
}

function integer(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) throw new AigwError('CONFIG', `${path}: expected an integer`);
  return value;
}

function parseBackend(value: unknown, path: string): BackendConfig {
  const item = record(value, path);
  const schema = record(item.schema, `${path}.schema`);
  if (!isOneOf(SCHEMA_NAMES, schema.name)) {
    throw new AigwError('CONFIG', `${path}.schema.name: unknown schema ${JSON.stringify(schema.name)}`);
  }
  const backend: BackendConfig = {
    name: string(item.name, `${path}.name`),
    route: string(item.route, `${path}.route`),
    aiServiceBackend: string(item.aiServiceBackend, `${path}.aiServiceBackend`),
    schema: {
      name: schema.name,
      ...(schema.prefix !== undefined ? { prefix: string(schema.prefix, `${path}.schema.prefix`) } : {}),
      ...(schema.version !== undefined ? { version: string(schema.version, `${path}.schema.version`) } : {}),
    },
  };
  if (item.modelNameOverride !== undefined) {
    backend.modelNameOverride = string(item.modelNameOverride, `${path}.modelNameOverride`);
  }
  if (item.auth !== undefined) backend.auth = parseAuth(item.auth, `${path}.auth`);
  if (item.host !== undefined) backend.host = string(item.host, `${path}.host`);
  if (item.headerMutation !== undefined) {
    backend.headerMutation = parseHeaderMutation(item.headerMutation, `${path}.headerMutation`);
  }
  if (item.bodyMutation !== undefined) {
    const mutation = record(item.bodyMutation, `${path}.bodyMutation`);
    backend.bodyMutation = {
      set: list(mutation.set ?? [], `${path}.bodyMutation.set`).map((entry, i) => {
        const field = record(entry, `${path}.bodyMutation.set[${i}]`);
        return { path: string(field.path, `${path}.bodyMutation.set[${i}].path`), value: string(field.value, `${path}.bodyMutation.set[${i}].value`) };
      }),
      remove: list(mutation.remove ?? [], `${path}.bodyMutation.remove`).map((entry, i) => string(entry, `${path}.bodyMutation.remove[${i}]`)),
    };
  }
  if (item.timeouts !== undefined) backend.timeouts = parseTimeouts(item.timeouts, `${path}.timeouts`);
  return backend;
}

function parseTimeouts(value: unknown, path: string): BackendTimeouts {
  const timeouts = record(value, path);
  const field = timeouts.requestField;
  if (field !== 'timeouts.request' && field !== 'timeouts.backendRequest') throw new AigwError('CONFIG', `${path}.requestField: expected "timeouts.request" or "timeouts.backendRequest"`);
  return {
    requestMs: integer(timeouts.requestMs, `${path}.requestMs`),
    requestField: field,
    ...(timeouts.streamIdleMs !== undefined ? { streamIdleMs: integer(timeouts.streamIdleMs, `${path}.streamIdleMs`) } : {}),
  };
}

function parseAuth(value: unknown, path: string): BackendAuth {
  const auth = record(value, path);
  const override = auth.override === undefined ? {} : { override: parseOverride(auth.override, `${path}.override`) };
  switch (auth.type) {
    case 'APIKey':
    case 'AzureAPIKey':
    case 'AnthropicAPIKey':
      return { type: auth.type, key: string(auth.key, `${path}.key`), ...override };
    case 'AWSCredentials': {
      const result: BackendAuth = { type: auth.type, region: string(auth.region, `${path}.region`), ...override };
      if (auth.credentials !== undefined) {
        const credentials = record(auth.credentials, `${path}.credentials`);
        result.credentials = {
          accessKeyId: string(credentials.accessKeyId, `${path}.credentials.accessKeyId`),
          secretAccessKey: string(credentials.secretAccessKey, `${path}.credentials.secretAccessKey`),
          ...(credentials.sessionToken !== undefined ? { sessionToken: string(credentials.sessionToken, `${path}.credentials.sessionToken`) } : {}),
        };
      }
      return result;
    }
    case 'AzureCredentials':
      return {
        type: auth.type,
        tenantId: string(auth.tenantId, `${path}.tenantId`),
        clientId: string(auth.clientId, `${path}.clientId`),
        clientSecret: string(auth.clientSecret, `${path}.clientSecret`),
        ...override,
      };
    case 'GCPCredentials':
      return {
        type: auth.type,
        projectName: string(auth.projectName, `${path}.projectName`),
        region: string(auth.region, `${path}.region`),
        ...(auth.serviceAccountKey !== undefined ? { serviceAccountKey: string(auth.serviceAccountKey, `${path}.serviceAccountKey`) } : {}),
        ...override,
      };
    default:
      throw new AigwError('CONFIG', `${path}.type: unknown auth type ${JSON.stringify(auth.type)}`);
  }
}

function parseOverride(value: unknown, path: string): CredentialOverride {
  const override = record(value, path);
  if (typeof override.fallbackToConfigured !== 'boolean') throw new AigwError('CONFIG', `${path}.fallbackToConfigured: expected a boolean`);
  return { header: string(override.header, `${path}.header`), fallbackToConfigured: override.fallbackToConfigured };
}

function parseHeaderMutation(value: unknown, path: string): HeaderMutation {
  const mutation = record(value, path);
  return {
    set: list(mutation.set ?? [], `${path}.set`).map((item, i) => {
      const header = record(item, `${path}.set[${i}]`);
      return { name: string(header.name, `${path}.set[${i}].name`), value: string(header.value, `${path}.set[${i}].value`) };
    }),
    remove: list(mutation.remove ?? [], `${path}.remove`).map((item, i) => string(item, `${path}.remove[${i}]`)),
  };
}

function parseRoute(value: unknown, path: string): RouteConfig {
  const route = record(value, path);
  return {
    name: string(route.name, `${path}.name`),
    costs: list(route.costs, `${path}.costs`).map((item, i) => parseCost(item, `${path}.costs[${i}]`)),
  };
}

function parseCost(value: unknown, path: string): LLMRequestCost {
  const cost = record(value, path);
  if (!isOneOf(COST_TYPES, cost.type)) {
    throw new AigwError('CONFIG', `${path}.type: unknown cost type ${JSON.stringify(cost.type)}`);
  }
  return {
    metadataKey: string(cost.metadataKey, `${path}.metadataKey`),
    type: cost.type,
    ...(cost.cel !== undefined ? { cel: string(cost.cel, `${path}.cel`) } : {}),
    ...(cost.backend !== undefined ? { backend: string(cost.backend, `${path}.backend`) } : {}),
    ...(cost.model !== undefined ? { model: string(cost.model, `${path}.model`) } : {}),
  };
}

function parseModel(value: unknown, path: string): ModelInfo {
  const model = record(value, path);
  const createdAt = model.createdAt;
  if (createdAt !== undefined && (typeof createdAt !== 'number' || !Number.isInteger(createdAt))) {
    throw new AigwError('CONFIG', `${path}.createdAt: expected an integer (unix seconds)`);
  }
  return {
    name: string(model.name, `${path}.name`),
    hostnames: list(model.hostnames ?? [], `${path}.hostnames`).map((item, i) => string(item, `${path}.hostnames[${i}]`)),
    listeners: list(model.listeners, `${path}.listeners`).map((item, i) => string(item, `${path}.listeners[${i}]`)),
    ownedBy: string(model.ownedBy, `${path}.ownedBy`),
    ...(typeof createdAt === 'number' ? { createdAt } : {}),
  };
}
