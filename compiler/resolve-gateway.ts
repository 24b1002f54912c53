import { fullMatchRegExp } from '../common/full-match-regexp.js';
import { QUOTA_COST_METADATA_KEY, SERVICE_QUOTA_COST_METADATA_KEY, type BackendConfig, type LLMRequestCost, type ModelInfo } from '../contract/filter-config.js';
import { PROVIDERS } from '../providers/providers.js';
import { GATEWAY_CONFIG_ANNOTATION } from './resources/gateway-config.js';
import type { Diagnostic } from './diagnostic.js';
import type { AccessLogModel, BackendRefModel, GatewayModel, ListenerModel, RateLimitModel, RouteModel, RuleModel, TelemetryCluster } from './gateway-model.js';
import type { SecretRef } from './resources/backend-security-policy.js';
import { awsProfileCredentials } from './aws-credentials-file.js';
import type { BackendEndpoint } from './resources/backend.js';
import type { CircuitBreakerSettings, RetrySettings } from './resources/backend-traffic-policy.js';
import type { Resource, ResourceOf } from './resources/resource.js';
import { backendTls, isTarget, ResourceIndex } from './resource-index.js';
import { resolveParentListeners } from './resolve-parent-listeners.js';
import { resolveMcpRoutes } from './resolve-mcp-routes.js';
import { resolveClientSettings } from './resolve-client-settings.js';
import { resolveQuotaPolicies, type QuotaIndex } from './resolve-quota-policies.js';

const AI_GROUP = 'aigateway.envoyproxy.io';

/** Follows every reference between resources and applies defaults, reporting each dangling one. */
export function resolveGateway(resources: readonly Resource[], diagnostics: Diagnostic[]): GatewayModel | undefined {
  const index = new ResourceIndex(resources);
  const gateways = index.all('Gateway');
  if (gateways.length === 0) {
    diagnostics.push({ severity: 'error', file: '', message: 'no Gateway found: aigw run needs a Gateway with at least one listener', hint: 'add a gateway.networking.k8s.io/v1 Gateway' });
    return undefined;
  }
  const listeners: ListenerModel[] = [];
  const globalCosts = new Map<string, LLMRequestCost[]>();
  const extProcEnv: Record<string, string> = {};
  const usedConfigs = new Set<string>();
  const telemetry = new Map<string, TelemetryCluster>();
  const envoyVersions = new Set<string>();
  const ports = new Map<number, string>();
  const logLevels: Record<string, string> = {};
  const referencedProxies = new Set<string>();
  for (const gateway of gateways) {
    const gatewayName = `${gateway.metadata.namespace}/${gateway.metadata.name}`;
    if (gateway.spec.listeners.length === 0) {
      gateway.reader.errorAt(['spec', 'listeners'], `gateway ${gateway.metadata.name} has no listeners configured`, 'add a listener, e.g. {name: http, protocol: HTTP, port: 1975}');
    }
    if (gateway.spec.gatewayClassName && !index.find('GatewayClass', gateway.spec.gatewayClassName, undefined)) {
      gateway.reader.warn(undefined, `GatewayClass ${JSON.stringify(gateway.spec.gatewayClassName)} is not defined in the configuration; aigw run serves the Gateway anyway`);
    }
    const accessLogs = gatewayProxy(gateway, index, logLevels, referencedProxies, telemetry, envoyVersions);
    const configName = gateway.metadata.annotations[GATEWAY_CONFIG_ANNOTATION];
    if (configName !== undefined) {
      const config = index.find('GatewayConfig', configName, gateway.metadata.namespace);
      if (!config) {
        gateway.reader.errorAt(['metadata', 'annotations', GATEWAY_CONFIG_ANNOTATION], `GatewayConfig ${gateway.metadata.namespace}/${configName} not found`);
      } else {
        usedConfigs.add(`${config.metadata.namespace}/${config.metadata.name}`);
        globalCosts.set(gatewayName, config.spec.globalLLMRequestCosts);
        Object.assign(extProcEnv, config.spec.extProcEnv);
      }
    }
    gateway.spec.listeners.forEach((listener, i) => {
      const name = `${gatewayName}/${listener.name}`;
      const owner = ports.get(listener.port);
      if (owner) gateway.reader.errorAt(['spec', 'listeners', i, 'port'], `Duplicate value: ${listener.port}: already used by listener ${owner}`);
      ports.set(listener.port, name);
      const { bufferLimitBytes, client } = resolveClientSettings(gateway, listener.name, index);
      listeners.push({ name, port: listener.port, addresses: gateway.spec.addresses, bufferLimitBytes, client, accessLogs });
    });
  }
  for (const config of index.all('GatewayConfig')) {
    if (!usedConfigs.has(`${config.metadata.namespace}/${config.metadata.name}`)) {
      config.reader.warn(undefined, `not referenced by any Gateway (annotation ${GATEWAY_CONFIG_ANNOTATION}): ignored`);
    }
  }
  for (const proxy of index.all('EnvoyProxy')) {
    if (!referencedProxies.has(`${proxy.metadata.namespace}/${proxy.metadata.name}`)) proxy.reader.warn(undefined, 'not referenced by any Gateway (spec.infrastructure.parametersRef): ignored');
  }
  for (const policy of index.all('ClientTrafficPolicy')) {
    const targetsGateway = policy.spec.targetRefs.some((ref) => ref.kind === 'Gateway' && index.find('Gateway', ref.name, policy.metadata.namespace));
    if (!targetsGateway) policy.reader.warnAt(['spec', 'targetRefs'], 'does not target a Gateway of this configuration: ignored');
  }

  const routes: RouteModel[] = [];
  const models = new Map<string, ModelInfo>();
  const attachedRoutes: { route: ResourceOf<'AIGatewayRoute'>; listeners: string[] }[] = [];
  const quotas = resolveQuotaPolicies(index);
  for (const route of index.all('AIGatewayRoute')) {
    const attachedTo = resolveParentListeners(route, route.spec.parentRefs, index);
    if (attachedTo.length === 0) continue;
    // Gateway-wide costs (GatewayConfig) under the route's own; the first attached Gateway's apply.
    const firstGateway = [...attachedTo][0]?.split('/').slice(0, 2).join('/') ?? '';
    const inherited = globalCosts.get(firstGateway) ?? [];
    routes.push(resolveRoute(route, [...attachedTo], index, models, trafficPolicyFor(route, index), inherited, quotas));
    attachedRoutes.push({ route, listeners: [...attachedTo] });
  }
  reportShadowedRules(attachedRoutes);
  quotas.reportUnused();
  for (const policy of index.all('BackendTrafficPolicy')) {
    const targetsSomething = policy.spec.targetRefs.some(
      (ref) => (ref.kind === 'Gateway' && index.find('Gateway', ref.name, policy.metadata.namespace)) || (ref.kind === 'HTTPRoute' && index.find('AIGatewayRoute', ref.name, policy.metadata.namespace)),
    );
    if (!targetsSomething) policy.reader.warnAt(['spec', 'targetRefs'], 'targets neither a Gateway nor an AIGatewayRoute (by its HTTPRoute name): ignored');
  }

  if (envoyVersions.size > 1) {
    diagnostics.push({ severity: 'error', file: '', message: `the EnvoyProxies ask for different Envoy versions (${[...envoyVersions].join(', ')}); one Envoy serves every Gateway` });
  }
  const [envoyVersion] = envoyVersions;
  const bootstrapMerges = index.all('EnvoyProxy').flatMap((proxy) => (referencedProxies.has(`${proxy.metadata.namespace}/${proxy.metadata.name}`) && proxy.spec.bootstrapMerge !== undefined ? [proxy.spec.bootstrapMerge] : []));
  return { listeners, logLevels, routes, mcpRoutes: resolveMcpRoutes(index), bootstrapMerges, models: [...models.values()], extProcEnv, telemetryClusters: [...telemetry.values()], ...(envoyVersion ? { envoyVersion } : {}) };
}

/**
 * Warns about a rule match that can never apply: a model its Exact match names is already
 * taken, on the same listeners, by a rule tried before it that matches on the model alone.
 */
function reportShadowedRules(attached: { route: ResourceOf<'AIGatewayRoute'>; listeners: string[] }[]): void {
  interface Entry { route: ResourceOf<'AIGatewayRoute'>; listeners: string[]; rule: number; match: number; headers: { name: string; type: string; value: string }[] }
  const entries: Entry[] = [];
  for (const { route, listeners } of attached) {
    route.spec.rules.forEach((rule, ruleIndex) => {
      (rule.matches.length > 0 ? rule.matches : [[]]).forEach((headers, matchIndex) => entries.push({ route, listeners, rule: ruleIndex, match: matchIndex, headers }));
    });
  }
  entries.sort((a, b) => b.headers.length - a.headers.length); // the order the router tries them
  entries.forEach((entry, position) => {
    const model = entry.headers.find((header) => header.name === 'x-ai-eg-model' && header.type === 'Exact')?.value;
    if (model === undefined) return;
    const winner = entries.slice(0, position).find(
      (earlier) =>
        earlier.route.spec.hostnames.length === 0 &&
        entry.listeners.every((listener) => earlier.listeners.includes(listener)) &&
        earlier.headers.every((header) => header.name === 'x-ai-eg-model' && (header.type === 'Exact' ? header.value === model : fullMatch(header.value, model))),
    );
    if (!winner) return;
    entry.route.reader.warnAt(
      ['spec', 'rules', entry.rule, 'matches', entry.match],
      `model ${JSON.stringify(model)} is matched first by rule ${winner.rule} of AIGatewayRoute ${winner.route.metadata.name}: this match never applies`,
    );
  });
}

function fullMatch(pattern: string, value: string): boolean {
  try {
    return fullMatchRegExp(pattern).test(value);
  } catch {
    return false;
  }
}

/** The Gateway's EnvoyProxy: merges its log levels into `logLevels` and returns its access logs. */
function gatewayProxy(
  gateway: ResourceOf<'Gateway'>,
  index: ResourceIndex,
  logLevels: Record<string, string>,
  referenced: Set<string>,
  telemetry: Map<string, TelemetryCluster>,
  envoyVersions: Set<string>,
): ListenerModel['accessLogs'] {
  const parametersRef = gateway.spec.parametersRef;
  if (!parametersRef) return [];
  if (parametersRef.kind !== 'EnvoyProxy') {
    gateway.reader.errorAt(['spec', 'infrastructure', 'parametersRef', 'kind'], `Unsupported value: ${JSON.stringify(parametersRef.kind)}: supported values: "EnvoyProxy"`);
    return [];
  }
  const proxy = index.find('EnvoyProxy', parametersRef.name, gateway.metadata.namespace);
  if (!proxy) {
    gateway.reader.errorAt(['spec', 'infrastructure', 'parametersRef', 'name'], `EnvoyProxy ${gateway.metadata.namespace}/${parametersRef.name} not found`);
    return [];
  }
  referenced.add(`${proxy.metadata.namespace}/${proxy.metadata.name}`);
  if (proxy.spec.envoyVersion !== undefined) envoyVersions.add(proxy.spec.envoyVersion);
  for (const [component, level] of Object.entries(proxy.spec.logLevels)) {
    const current = logLevels[component];
    if (current !== undefined && current !== level) {
      proxy.reader.warnAt(['spec', 'logging', 'level'], `${component} is ${level} here but ${current} for another Gateway; one Envoy serves both, so ${current} is used`);
      continue;
    }
    logLevels[component] = level;
  }
  return proxy.spec.accessLogs.map((setting) => ({
    matches: setting.matches,
    format: setting.format,
    sinks: setting.sinks.flatMap((sink): AccessLogModel['sinks'] => {
      if (sink.kind === 'file') return [sink];
      const namespace = sink.backendRef.namespace ?? proxy.metadata.namespace;
      const backend = index.find('Backend', sink.backendRef.name, namespace);
      if (!backend) {
        proxy.reader.errorAt(sink.path, `Backend ${namespace}/${sink.backendRef.name} (the OTLP collector) not found`);
        return [];
      }
      const cluster = `aigw-otel/${namespace}/${backend.metadata.name}`;
      if (!telemetry.has(cluster)) {
        const tls = backendTls(backend, index);
        telemetry.set(cluster, { name: cluster, endpoints: backend.spec.endpoints, ...(tls ? { tls } : {}) });
      }
      return [{ kind: 'openTelemetry', cluster, authority: endpointAuthority(backend.spec.endpoints[0]), headers: sink.headers, resources: sink.resources }];
    }),
  }));
}

/**
 * The :authority of gRPC calls to a collector. Envoy defaults it to the cluster name, whose
 * slashes make HTTP/2 servers (grpc-js, Go gRPC) refuse the stream as a protocol error.
 */
function endpointAuthority(endpoint: BackendEndpoint | undefined): string {
  if (!endpoint || endpoint.kind === 'unix') return 'localhost';
  return endpoint.kind === 'fqdn' ? `${endpoint.hostname}:${endpoint.port}` : `${endpoint.address}:${endpoint.port}`;
}

/** The BackendTrafficPolicy settings of a route: each field from the policy on the route, else from one on its Gateway. */
function trafficPolicyFor(route: ResourceOf<'AIGatewayRoute'>, index: ResourceIndex): TrafficSettings {
  const policies = index.all('BackendTrafficPolicy').filter((policy) => policy.metadata.namespace === route.metadata.namespace);
  const gatewayNames = new Set(route.spec.parentRefs.map((ref) => ref.name));
  const pick = <K extends 'retry' | 'circuitBreaker' | 'rateLimit'>(field: K): ResourceOf<'BackendTrafficPolicy'> | undefined => {
    const having = policies.filter((policy) => policy.spec[field] !== undefined);
    const forRoute = having.find((policy) => policy.spec.targetRefs.some((ref) => ref.kind === 'HTTPRoute' && ref.name === route.metadata.name));
    const forGateway = having.find((policy) => policy.spec.targetRefs.some((ref) => ref.kind === 'Gateway' && gatewayNames.has(ref.name)));
    return forRoute ?? forGateway;
  };
  const retry = pick('retry')?.spec.retry;
  const circuitBreaker = pick('circuitBreaker')?.spec.circuitBreaker;
  const limiting = pick('rateLimit');
  const rateLimit: RateLimitModel | undefined =
    limiting?.spec.rateLimit !== undefined ? { ...limiting.spec.rateLimit, policy: { name: limiting.metadata.name, namespace: limiting.metadata.namespace } } : undefined;
  return { ...(retry ? { retry } : {}), ...(circuitBreaker ? { circuitBreaker } : {}), ...(rateLimit && limiting ? { rateLimit, rateLimitPolicy: limiting } : {}) };
}

interface TrafficSettings {
  retry?: RetrySettings;
  circuitBreaker?: CircuitBreakerSettings;
  rateLimit?: RateLimitModel;
  /** The policy `rateLimit` comes from, to report on. */
  rateLimitPolicy?: ResourceOf<'BackendTrafficPolicy'>;
}

function resolveRoute(
  route: ResourceOf<'AIGatewayRoute'>,
  listeners: string[],
  index: ResourceIndex,
  models: Map<string, ModelInfo>,
  policy: TrafficSettings,
  globalCosts: readonly LLMRequestCost[],
  quotas: QuotaIndex,
): RouteModel {
  const namespace = route.metadata.namespace;
  const routeName = `${namespace}/${route.metadata.name}`;
  const rules = route.spec.rules.map((rule, ruleIndex): RuleModel => {
    for (const match of rule.matches) {
      for (const header of match) {
        if (header.name !== 'x-ai-eg-model' || header.type !== 'Exact') continue;
        const known = models.get(header.value);
        if (!known) {
          models.set(header.value, { name: header.value, hostnames: [...route.spec.hostnames], listeners: [...listeners], ownedBy: rule.modelsOwnedBy, ...(rule.modelsCreatedAt !== undefined ? { createdAt: rule.modelsCreatedAt } : {}) });
          continue;
        }
        // Listed on the union of its routes' listeners and hosts; a route without hostnames lists it for every host.
        known.listeners = [...new Set([...known.listeners, ...listeners])];
        if (known.hostnames.length > 0) known.hostnames = route.spec.hostnames.length === 0 ? [] : [...new Set([...known.hostnames, ...route.spec.hostnames])];
      }
    }
    const refs: BackendRefModel[] = [];
    rule.backendRefs.forEach((ref, refIndex) => {
      const resolved = resolveBackendRef(ref, namespace, `${namespace}/${ref.name}/route/${route.metadata.name}/rule/${ruleIndex}/ref/${refIndex}`, routeName, index);
      if (resolved && ref.weight > 0) refs.push({ ...resolved, weight: ref.weight, priority: ref.priority });
    });
    // The ext_proc ends the streams these timeouts would otherwise cut with a bare reset.
    for (const ref of refs) {
      ref.backend.timeouts = {
        requestMs: rule.backendRequestTimeoutMs ?? rule.requestTimeoutMs,
        requestField: rule.backendRequestTimeoutMs !== undefined ? 'timeouts.backendRequest' : 'timeouts.request',
        ...(rule.streamIdleTimeoutMs !== undefined ? { streamIdleMs: rule.streamIdleTimeoutMs } : {}),
      };
    }
    const mode = new Set(refs.map((ref) => ref.priority)).size > 1 ? 'upstream' : 'router';
    for (const ref of refs) {
      const quota = quotas.forBackendRef(ref.backend, mode, route, ruleIndex);
      if (quota) ref.quota = quota;
    }
    // A local bucket is per Envoy route, and a single-priority rule has one Envoy route per
    // backendRef: the rule's limit would be multiplied by its number of backends.
    if (policy.rateLimit?.local && mode === 'router' && refs.length > 1) {
      policy.rateLimitPolicy?.reader.unsupportedAt(
        ['spec', 'rateLimit', 'local'],
        `local rate limits are not supported by aigw run on a rule with several backendRefs of one priority (AIGatewayRoute ${routeName} rule ${ruleIndex}): aigw routes each of them separately and Envoy keeps one bucket per route, so the limit would be multiplied by ${refs.length}`,
        'use rateLimit.global (one counter for the rule), or target an AIGatewayRoute whose rules have one backendRef or fallback priorities',
      );
    }
    const endpointKinds = new Set((mode === 'upstream' ? refs : []).flatMap((ref) => ref.endpoints.map((endpoint) => endpoint.kind)));
    if (endpointKinds.has('fqdn') && endpointKinds.has('unix')) {
      route.reader.errorAt(['spec', 'rules', ruleIndex, 'backendRefs'], 'backends reached by hostname and by unix socket cannot share a rule with fallback priorities', 'use ip or fqdn endpoints for all of them');
    }
    return {
      cluster: `${routeName}/rule/${ruleIndex}`,
      // Fallback across priorities needs Envoy to pick (and retry) the backend; otherwise the
      // router filter picks it and one ext_proc stream serves the whole request.
      mode,
      matches: rule.matches,
      requestTimeoutMs: rule.requestTimeoutMs,
      ...(rule.backendRequestTimeoutMs !== undefined ? { backendRequestTimeoutMs: rule.backendRequestTimeoutMs } : {}),
      ...(rule.streamIdleTimeoutMs !== undefined ? { streamIdleTimeoutMs: rule.streamIdleTimeoutMs } : {}),
      ...(policy.retry ? { retry: policy.retry } : {}),
      ...(policy.circuitBreaker ? { circuitBreaker: policy.circuitBreaker } : {}),
      ...(policy.rateLimit ? { rateLimit: policy.rateLimit } : {}),
      refs,
    };
  });
  return { name: routeName, listeners, hostnames: route.spec.hostnames, costs: [...dedupeCosts([...globalCosts, ...route.spec.llmRequestCosts]), ...quotaCosts(rules)], rules };
}

/** The costs the QuotaPolicies on a route's backends charge, each filtered to its backend (and model). */
function quotaCosts(rules: readonly RuleModel[]): LLMRequestCost[] {
  const costs = new Map<string, LLMRequestCost>();
  for (const rule of rules) {
    for (const { quota } of rule.refs) {
      if (!quota) continue;
      if (quota.model) {
        const cost: LLMRequestCost = { metadataKey: QUOTA_COST_METADATA_KEY, type: 'CEL', cel: quota.model.quota.costExpression, backend: quota.aiServiceBackend, model: quota.model.name };
        costs.set(JSON.stringify(cost), cost);
      }
      if (quota.service) {
        const cost: LLMRequestCost = { metadataKey: SERVICE_QUOTA_COST_METADATA_KEY, type: 'CEL', cel: quota.service.quota.costExpression, backend: quota.aiServiceBackend };
        costs.set(JSON.stringify(cost), cost);
      }
    }
  }
  return [...costs.values()];
}

function resolveBackendRef(
  ref: ResourceOf<'AIGatewayRoute'>['spec']['rules'][number]['backendRefs'][number],
  routeNamespace: string,
  backendName: string,
  routeName: string,
  index: ResourceIndex,
): Omit<BackendRefModel, 'weight' | 'priority'> | undefined {
  const aisbNamespace = ref.namespace ?? routeNamespace;
  const aisb = index.find('AIServiceBackend', ref.name, aisbNamespace);
  if (!aisb) {
    ref.reader.error('name', `AIServiceBackend ${aisbNamespace}/${ref.name} not found`, 'define it, or fix the name');
    return undefined;
  }
  const backendRef = aisb.spec.backendRef;
  const backendNamespace = backendRef.namespace ?? aisb.metadata.namespace;
  const backend = index.find('Backend', backendRef.name, backendNamespace);
  if (!backend) {
    aisb.reader.errorAt(['spec', 'backendRef', 'name'], `Backend ${backendNamespace}/${backendRef.name} not found`);
    return undefined;
  }
  const config: BackendConfig = {
    name: backendName,
    route: routeName,
    aiServiceBackend: `${aisb.metadata.namespace}/${aisb.metadata.name}`,
    schema: filterSchema(aisb.spec.schema),
  };
  if (ref.modelNameOverride) config.modelNameOverride = ref.modelNameOverride;
  const headerMutation = mergeMutations('name', aisb.spec.headerMutation, ref.headerMutation);
  if (headerMutation) config.headerMutation = headerMutation;
  const bodyMutation = mergeMutations('path', aisb.spec.bodyMutation, ref.bodyMutation);
  if (bodyMutation) config.bodyMutation = bodyMutation;
  const auth = resolveAuth(aisb, index);
  if (auth) config.auth = auth;

  const first = backend.spec.endpoints[0];
  if (first?.kind === 'fqdn') config.host = first.hostname;
  const tls = backendTls(backend, index);
  return { backend: config, endpoints: backend.spec.endpoints, ...(tls ? { tls } : {}) };
}

function resolveAuth(aisb: ResourceOf<'AIServiceBackend'>, index: ResourceIndex): BackendConfig['auth'] {
  const policy = index
    .all('BackendSecurityPolicy')
    .find((candidate) => candidate.metadata.namespace === aisb.metadata.namespace && candidate.spec.targetRefs.some((target) => isTarget(target, 'AIServiceBackend', AI_GROUP, aisb.metadata.name)));
  // A backend without a policy sends no credential (local models, or keys in headerMutation).
  return policy ? resolvePolicyAuth(policy, index) : undefined;
}

/** The per-type default override header (upstream's names), for `credentialOverride.fromRequestHeaders` without `header`. */
const DEFAULT_OVERRIDE_HEADER: Record<NonNullable<BackendConfig['auth']>['type'], string> = {
  APIKey: 'x-aigw-api-key',
  AnthropicAPIKey: 'x-aigw-anthropic-api-key',
  AzureAPIKey: 'x-aigw-azure-api-key',
  AzureCredentials: 'x-aigw-azure-access-token',
  GCPCredentials: 'x-aigw-gcp-access-token',
  AWSCredentials: 'x-aigw-aws-',
};

function resolvePolicyAuth(policy: ResourceOf<'BackendSecurityPolicy'>, index: ResourceIndex): BackendConfig['auth'] {
  const spec = policy.spec.auth;
  const secretValue = (secretRef: SecretRef, key: string): string | undefined => {
    const namespace = secretRef.ref.namespace ?? policy.metadata.namespace;
    const secret = index.find('Secret', secretRef.ref.name, namespace);
    if (!secret) {
      policy.reader.errorAt(secretRef.path, `Secret ${namespace}/${secretRef.ref.name} not found`);
      return undefined;
    }
    const value = secret.spec.data[key];
    if (value === undefined) {
      secret.reader.errorAt(['stringData'], `the Secret has no ${JSON.stringify(key)} key, which the ${spec.type} BackendSecurityPolicy ${policy.metadata.name} reads`, `add stringData.${key}`);
    }
    return value;
  };
  const override = policy.spec.credentialOverride
    ? { override: { header: policy.spec.credentialOverride.header ?? DEFAULT_OVERRIDE_HEADER[spec.type], fallbackToConfigured: policy.spec.credentialOverride.fallbackToConfigured } }
    : {};
  switch (spec.type) {
    case 'APIKey':
    case 'AzureAPIKey':
    case 'AnthropicAPIKey': {
      const key = secretValue(spec.secretRef, 'apiKey');
      if (key === undefined) return undefined;
      if (key.trim() === '') {
        policy.reader.warnAt(spec.secretRef.path, 'the API key is empty (an unset environment variable?); requests will reach the provider without a usable key');
      }
      return { type: spec.type, key: key.trim(), ...override };
    }
    case 'AWSCredentials': {
      if (!spec.credentialsFile) return { type: spec.type, region: spec.region, ...override };
      const file = secretValue(spec.credentialsFile.secretRef, 'credentials');
      if (file === undefined) return undefined;
      const credentials = awsProfileCredentials(file, spec.credentialsFile.profile);
      if (typeof credentials === 'string') {
        policy.reader.errorAt(spec.credentialsFile.secretRef.path, credentials, 'the Secret key "credentials" holds an AWS shared credentials file ([profile] with aws_access_key_id and aws_secret_access_key)');
        return undefined;
      }
      return { type: spec.type, region: spec.region, credentials, ...override };
    }
    case 'AzureCredentials': {
      const clientSecret = secretValue(spec.clientSecretRef, 'client-secret');
      if (clientSecret === undefined) return undefined;
      return { type: spec.type, tenantId: spec.tenantId, clientId: spec.clientId, clientSecret: clientSecret.trim(), ...override };
    }
    case 'GCPCredentials': {
      if (!spec.credentialsFile) {
        if (policy.spec.credentialOverride?.fallbackToConfigured === true) {
          policy.reader.errorAt(['spec', 'credentialOverride', 'fromRequestHeaders', 'fallbackToConfigured'], 'fallbackToConfigured needs a configured credential, and Application Default Credentials are not one (as upstream)', 'set fallbackToConfigured: false, or add gcpCredentials.credentialsFile');
        }
        return { type: spec.type, projectName: spec.projectName, region: spec.region, ...override };
      }
      const key = secretValue(spec.credentialsFile, 'service_account.json');
      if (key === undefined) return undefined;
      if (!isJsonObject(key)) {
        policy.reader.errorAt(spec.credentialsFile.path, 'the Secret key "service_account.json" is not a JSON object', 'put the service account key file (JSON) there');
        return undefined;
      }
      return { type: spec.type, projectName: spec.projectName, region: spec.region, serviceAccountKey: key, ...override };
    }
  }
}

function isJsonObject(text: string): boolean {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
  } catch {
    return false;
  }
}

function filterSchema(schema: ResourceOf<'AIServiceBackend'>['spec']['schema']): BackendConfig['schema'] {
  // As the upstream controller: a schema takes either a path prefix (with a default) or an API
  // version, and the other field is dropped.
  const addressing = PROVIDERS[schema.name].addressing;
  if (addressing.field === 'prefix') return { name: schema.name, prefix: schema.prefix ?? addressing.defaultPrefix };
  return { name: schema.name, ...(schema.version !== undefined ? { version: schema.version } : {}) };
}

type MutationSpec<K extends string> = { set: (Record<K, string> & { value: string })[]; remove: string[] };

/**
 * The route backendRef's mutation wins over the AIServiceBackend's on the same target (a header
 * `name` or a body `path`); removals are the union of both.
 */
function mergeMutations<K extends 'name' | 'path'>(key: K, backend: MutationSpec<K> | undefined, ref: MutationSpec<K> | undefined): MutationSpec<K> | undefined {
  if (!backend && !ref) return undefined;
  const set = new Map<string, Record<K, string> & { value: string }>();
  for (const entry of [...(backend?.set ?? []), ...(ref?.set ?? [])]) set.set(entry[key], entry);
  const remove = [...new Set([...(backend?.remove ?? []), ...(ref?.remove ?? [])])];
  return { set: [...set.values()], remove };
}

function dedupeCosts(costs: RouteModel['costs']): RouteModel['costs'] {
  const byKey = new Map<string, RouteModel['costs'][number]>();
  for (const cost of costs) byKey.set(cost.metadataKey, cost); // last one wins, as upstream
  return [...byKey.values()];
}
