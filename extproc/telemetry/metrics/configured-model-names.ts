import type { FilterConfig } from '../../../contract/filter-config.js';
import { MODEL_MATCH_NAME } from '../../request/route-matcher.js';

/**
 * The model names the configuration knows: Exact `x-ai-eg-model` matches of AIGatewayRoute
 * rules and backendRef `modelNameOverride`s. They are always metric label values of their own,
 * whatever clients send.
 */
export function configuredModelNames(config: FilterConfig): Set<string> {
  const names = new Set<string>();
  for (const rule of config.rules) {
    for (const header of rule.headers) if (header.name === MODEL_MATCH_NAME && header.type === 'Exact') names.add(header.value);
  }
  for (const backend of config.backends) if (backend.modelNameOverride) names.add(backend.modelNameOverride);
  return names;
}
