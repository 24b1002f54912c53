import { FILTER_CONFIG_VERSION, type BackendConfig, type FilterConfig, type RuleConfig } from '../contract/filter-config.js';
import type { GatewayModel } from './gateway-model.js';
import { buildRateLimitConfig } from './build-rate-limits.js';

/** The ext_proc's view of the gateway: backends by name, route costs, the model list and the MCP routes. */
export function buildFilterConfig(model: GatewayModel, options: { rateLimitFailureModeDeny?: boolean } = {}): FilterConfig {
  const backends = new Map<string, BackendConfig>();
  const rateLimit = buildRateLimitConfig(model, options.rateLimitFailureModeDeny);
  for (const route of model.routes) {
    for (const rule of route.rules) for (const ref of rule.refs) backends.set(ref.backend.name, ref.backend);
  }
  return {
    version: FILTER_CONFIG_VERSION,
    rules: ruleMatches(model),
    backends: [...backends.values()],
    routes: model.routes.map((route) => ({ name: route.name, costs: route.costs })),
    models: model.models,
    // Only with MCPRoutes, so an LLM-only config is unchanged.
    ...(model.mcpRoutes.length > 0 ? { mcp: { routes: model.mcpRoutes.map((route) => route.config) } } : {}),
    ...(rateLimit ? { rateLimit } : {}),
  };
}

/**
 * Every rule alternative in matching order: most header conditions first, then document order
 * (Gateway API gives more specific matches precedence; ties go to the older rule).
 */
function ruleMatches(model: GatewayModel): RuleConfig[] {
  const entries: RuleConfig[] = [];
  for (const route of model.routes) {
    for (const rule of route.rules) {
      const backends = rule.refs.map((ref) => ({ name: ref.backend.name, weight: ref.weight, priority: ref.priority }));
      for (const headers of rule.matches.length > 0 ? rule.matches : [[]]) {
        entries.push({ name: rule.cluster, route: route.name, listeners: route.listeners, headers: headers.map((header) => ({ ...header })), hostnames: route.hostnames, backends, mode: rule.mode });
      }
    }
  }
  // Array.prototype.sort is stable, so equal counts keep document order.
  return entries.sort((a, b) => b.headers.length - a.headers.length);
}
