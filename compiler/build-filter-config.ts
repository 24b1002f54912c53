import { FILTER_CONFIG_VERSION, type BackendConfig, type FilterConfig } from '../extproc/filter-config.js';
import type { GatewayModel } from './gateway-model.js';

/** The ext_proc's view of the gateway: backends by name, route costs, and the model list. */
export function buildFilterConfig(model: GatewayModel): FilterConfig {
  const backends = new Map<string, BackendConfig>();
  for (const route of model.routes) {
    for (const rule of route.rules) for (const ref of rule.refs) backends.set(ref.backend.name, ref.backend);
  }
  return {
    version: FILTER_CONFIG_VERSION,
    backends: [...backends.values()],
    routes: model.routes.map((route) => ({ name: route.name, costs: route.costs })),
    models: model.models,
  };
}
