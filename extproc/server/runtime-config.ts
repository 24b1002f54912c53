import type { ClientAPI } from '../request/endpoints.js';
import type { BackendConfig, FilterConfig } from '../../contract/filter-config.js';
import type { GenAIMetrics } from '../telemetry/metrics/genai-metrics.js';
import type { Logger } from '../../common/logger.js';
import type { HeaderAttribute } from '../telemetry/metrics/header-attributes.js';
import { PROPAGATION_HEADERS } from '../telemetry/tracing/propagation-headers.js';
import type { RequestTracer } from '../telemetry/tracing/request-tracer.js';
import type { BackendAuthenticator } from '../auth/backend-authenticator.js';
import { CLIENT_CREDENTIAL_HEADERS } from '../auth/client-credential-headers.js';
import { createAuthenticator, NO_AUTH } from '../auth/create-authenticator.js';
import { PROVIDERS } from '../../providers/providers.js';
import { compileCosts, type CelCostCompiler, type CompiledCost } from '../usage/costs.js';
import { hostMatches } from '../request/host-match.js';
import { compileRules, MODEL_MATCH_NAME, type CompiledRule } from '../request/route-matcher.js';
import type { RouterRateLimits } from '../../ratelimit/router-rate-limits.js';

/**
 * The ext_proc's working form of a FilterConfig, derived once at load: lookups by name and
 * precomputed responses, so nothing on the request path scans lists or serialises config.
 */
export interface RuntimeConfig {
  rules: readonly CompiledRule[];
  /** Request headers the rules look at (besides the model), so only those are decoded. */
  matchedHeaders: readonly string[];
  backends: ReadonlyMap<string, BackendConfig>;
  /** Each backend's authenticator, by backend name (backends with the same credential share one, and its token cache). */
  authenticators: ReadonlyMap<string, BackendAuthenticator>;
  /**
   * For `upstream`-mode rules: the headers any of the rule's backends sets. A retry on another
   * backend removes the ones its own backend does not set, so no header of a failed attempt
   * (another provider's key, say) reaches the next provider.
   */
  headersSetByRule: ReadonlyMap<string, readonly string[]>;
  costsByRoute: ReadonlyMap<string, readonly CompiledCost[]>;
  /** Whether any route records costs (then streaming requests must ask for usage). */
  anyCosts: boolean;
  /** The `GET /v1/models` body for a request's host (routes with hostnames list their models only there). */
  modelsBody(authority: string | undefined, listener: string | undefined, clientAPI: ClientAPI): string;
  metrics: GenAIMetrics;
  /** Request headers recorded as metric labels (OTEL_AIGW_*_REQUEST_HEADER_ATTRIBUTES). */
  metricHeaders: readonly HeaderAttribute[];
  logger: Logger;
  /** Set when tracing is on. */
  tracer: RequestTracer | undefined;
  /** Request headers recorded as span attributes (OTEL_AIGW_*_REQUEST_HEADER_ATTRIBUTES). */
  spanHeaders: readonly HeaderAttribute[];
  /** Request headers written as dynamic metadata for access logs (OTEL_AIGW_*_REQUEST_HEADER_ATTRIBUTES). */
  logHeaders: readonly HeaderAttribute[];
  /** Every request header the router decodes: matched, metric, span and propagation headers. */
  pickedHeaders: readonly string[];
  /** The request-time rate-limit checks; undefined when nothing is limited. */
  rateLimits: RouterRateLimits | undefined;
  /** The authenticators by credential, for the next reload to keep (RuntimeOptions.authenticatorsByCredential). */
  authenticatorsByCredential: ReadonlyMap<string, BackendAuthenticator>;
}

export interface RuntimeOptions {
  /** Request headers recorded as metric labels. */
  metricHeaders?: readonly HeaderAttribute[];
  /** Set to turn tracing on. */
  tracer?: RequestTracer;
  /** Request headers recorded as span attributes (used only with a tracer). */
  spanHeaders?: readonly HeaderAttribute[];
  /** Request headers written as dynamic metadata for access logs (`session.id` by default). */
  logHeaders?: readonly HeaderAttribute[];
  /** Required when a route has CEL costs (hasCelCosts): the CEL library is loaded only then. */
  compileCel?: CelCostCompiler;
  /** Required when the config has rate limits (the limiter and its store load only then). */
  rateLimits?: RouterRateLimits;
  /**
   * The running configuration's authenticators (RuntimeConfig.authenticatorsByCredential): a
   * reload keeps the one of every credential it did not change, and with it its cached token
   * (Entra ID, GCP), so the first request after an edit does not wait for a new one.
   */
  authenticatorsByCredential?: ReadonlyMap<string, BackendAuthenticator>;
}

export function buildRuntimeConfig(
  config: FilterConfig,
  metrics: GenAIMetrics,
  logger: Logger,
  options: RuntimeOptions = {},
): RuntimeConfig {
  const { metricHeaders = [], tracer, logHeaders = [] } = options;
  const spanHeaders = tracer ? (options.spanHeaders ?? []) : [];
  const loadedAt = Math.floor(Date.now() / 1000);
  const costsByRoute = new Map(config.routes.map((route) => [route.name, compileCosts(route.costs, options.compileCel)] as const));
  const { authenticators, byCredential } = buildAuthenticators(config, options.authenticatorsByCredential);
  const matchedHeaders = new Set<string>();
  for (const rule of config.rules) for (const header of rule.headers) if (header.name !== MODEL_MATCH_NAME) matchedHeaders.add(header.name);
  return {
    rules: compileRules(config.rules),
    headersSetByRule: headersSetByRule(config, authenticators),
    matchedHeaders: [...matchedHeaders],
    backends: new Map(config.backends.map((backend) => [backend.name, backend] as const)),
    authenticators,
    costsByRoute,
    anyCosts: config.routes.some((route) => route.costs.length > 0),
    modelsBody: (authority, listener, clientAPI) => {
      const models = config.models.filter((model) => (listener === undefined || model.listeners.includes(listener)) && hostMatches(model.hostnames, authority));
      if (clientAPI === 'anthropic') {
        // @see https://docs.anthropic.com/en/api/models-list
        const data = models.map((model) => ({
          type: 'model',
          id: model.name,
          display_name: model.name,
          created_at: new Date((model.createdAt ?? loadedAt) * 1000).toISOString(),
        }));
        return JSON.stringify({ data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null });
      }
      return JSON.stringify({
        object: 'list',
        data: models.map((model) => ({ id: model.name, object: 'model', created: model.createdAt ?? loadedAt, owned_by: model.ownedBy })),
      });
    },
    metrics,
    metricHeaders,
    logger,
    tracer,
    spanHeaders,
    logHeaders,
    pickedHeaders: [
      ...new Set([
        ':path',
        ':authority',
        'content-type',
        ...TRANSLATOR_HEADERS,
        ...[...authenticators.values()].flatMap((authenticator) => authenticator.readHeaders),
        ...matchedHeaders,
        ...metricHeaders.map((mapping) => mapping.header),
        ...logHeaders.map((mapping) => mapping.header),
        ...(tracer ? [...PROPAGATION_HEADERS, ...spanHeaders.map((mapping) => mapping.header)] : []),
      ]),
    ],
    rateLimits: options.rateLimits,
    authenticatorsByCredential: byCredential,
  };
}

/** Client headers translators read (ClientRequest.headers). */
const TRANSLATOR_HEADERS = ['anthropic-version', 'anthropic-beta'];

function buildAuthenticators(
  config: FilterConfig,
  previous: ReadonlyMap<string, BackendAuthenticator> | undefined,
): { authenticators: Map<string, BackendAuthenticator>; byCredential: Map<string, BackendAuthenticator> } {
  const byCredential = new Map<string, BackendAuthenticator>();
  const result = new Map<string, BackendAuthenticator>();
  for (const backend of config.backends) {
    // Backends with the same credential share an authenticator (one token cache), unless their
    // schemas present an APIKey differently.
    const key = JSON.stringify([backend.auth ?? null, PROVIDERS[backend.schema.name].apiKey]);
    let authenticator = byCredential.get(key);
    if (!authenticator) {
      authenticator = previous?.get(key) ?? createAuthenticator(backend.auth, backend.schema.name);
      byCredential.set(key, authenticator);
    }
    result.set(backend.name, authenticator);
  }
  return { authenticators: stripEveryOverrideHeader(result), byCredential };
}

/**
 * The gateway's own credential headers (the default override headers), whether a policy uses
 * them or not: they are meant for the gateway, never for a provider.
 */
const GATEWAY_CREDENTIAL_HEADERS = ['x-aigw-aws-access-key-id', 'x-aigw-aws-secret-access-key', 'x-aigw-aws-session-token', 'x-aigw-azure-access-token'];

/**
 * Every backend's upstream request drops every credential override header of the gateway (and
 * the `x-aigw-*` credential headers), not only its own: a client's override credential is used
 * by the backend whose BackendSecurityPolicy declares it and by no other, and never reaches a
 * provider, e.g. one without a policy that would otherwise receive it as a plain header. A
 * backend with a policy also drops the client's own credential headers (CLIENT_CREDENTIAL_HEADERS):
 * the gateway supplies its credential; backends without one keep them (pass-through keys).
 */
function stripEveryOverrideHeader(authenticators: Map<string, BackendAuthenticator>): Map<string, BackendAuthenticator> {
  const overrides = new Set([...GATEWAY_CREDENTIAL_HEADERS, ...[...authenticators.values()].flatMap((authenticator) => authenticator.removeHeaders)]);
  const widened = new Map<BackendAuthenticator, BackendAuthenticator>();
  const result = new Map<string, BackendAuthenticator>();
  for (const [backend, authenticator] of authenticators) {
    let wide = widened.get(authenticator);
    if (!wide) {
      // A header the authenticator sets (an override header named like its credential header) stays.
      const ownOverrides = [...authenticator.removeHeaders, ...overrides].filter((name) => !authenticator.setHeaders.includes(name));
      // Client credentials go even when the authenticator may set the header but does not this
      // time (a SigV4 signature without a session token); the request keeps what it does set.
      const clientCredentials = authenticator === NO_AUTH ? [] : CLIENT_CREDENTIAL_HEADERS;
      const removeHeaders = [...new Set([...ownOverrides, ...clientCredentials])];
      const original = authenticator;
      wide = { needsBody: original.needsBody, readHeaders: original.readHeaders, removeHeaders, setHeaders: original.setHeaders, apply: (request) => original.apply(request) };
      widened.set(authenticator, wide);
    }
    result.set(backend, wide);
  }
  return result;
}

function headersSetByRule(config: FilterConfig, authenticators: ReadonlyMap<string, BackendAuthenticator>): Map<string, string[]> {
  const backends = new Map(config.backends.map((backend) => [backend.name, backend] as const));
  const result = new Map<string, string[]>();
  for (const rule of config.rules) {
    if (rule.mode !== 'upstream') continue;
    const names = new Set(result.get(rule.name) ?? []);
    for (const ref of rule.backends) {
      const backend = backends.get(ref.name);
      for (const header of backend?.headerMutation?.set ?? []) names.add(header.name);
      for (const header of authenticators.get(ref.name)?.setHeaders ?? []) names.add(header);
    }
    result.set(rule.name, [...names]);
  }
  return result;
}
