import type { BackendConfig, FilterConfig, LLMRequestCost } from './filter-config.js';
import type { GenAIMetrics } from './metrics/genai-metrics.js';
import type { Logger } from './logger.js';
import { hostMatches } from './host-match.js';
import { compileRules, MODEL_MATCH_NAME, type CompiledRule } from './route-matcher.js';

/**
 * The ext_proc's working form of a FilterConfig, derived once at load: lookups by name and
 * precomputed responses, so nothing on the request path scans lists or serialises config.
 */
export interface RuntimeConfig {
  rules: readonly CompiledRule[];
  /** Request headers the rules look at (besides the model), so only those are decoded. */
  matchedHeaders: readonly string[];
  backends: ReadonlyMap<string, BackendConfig>;
  costsByRoute: ReadonlyMap<string, readonly LLMRequestCost[]>;
  /** Whether any route records costs (then streaming requests must ask for usage). */
  anyCosts: boolean;
  /** The `GET /v1/models` body for a request's host (routes with hostnames list their models only there). */
  modelsBody(authority: string | undefined): string;
  metrics: GenAIMetrics;
  logger: Logger;
}

export function buildRuntimeConfig(config: FilterConfig, metrics: GenAIMetrics, logger: Logger): RuntimeConfig {
  const loadedAt = Math.floor(Date.now() / 1000);
  const costsByRoute = new Map(config.routes.map((route) => [route.name, route.costs] as const));
  const matchedHeaders = new Set<string>();
  for (const rule of config.rules) for (const header of rule.headers) if (header.name !== MODEL_MATCH_NAME) matchedHeaders.add(header.name);
  return {
    rules: compileRules(config.rules),
    matchedHeaders: [...matchedHeaders],
    backends: new Map(config.backends.map((backend) => [backend.name, backend] as const)),
    costsByRoute,
    anyCosts: config.routes.some((route) => route.costs.length > 0),
    modelsBody: (authority) =>
      JSON.stringify({
        object: 'list',
        data: config.models
          .filter((model) => hostMatches(model.hostnames, authority))
          .map((model) => ({ id: model.name, object: 'model', created: model.createdAt ?? loadedAt, owned_by: model.ownedBy })),
      }),
    metrics,
    logger,
  };
}
