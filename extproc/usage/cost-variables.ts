import { closestName } from '../../common/closest-name.js';

/**
 * The variables a CEL cost expression (`llmRequestCosts[].cel`, GatewayConfig
 * `globalLLMRequestCosts[].cel`) can read: upstream's internal/llmcostcel declares exactly these.
 * The compiler checks expressions against this list and the ext_proc binds it
 * (cost-expression.ts), so an expression `aigw validate` passes is one the data plane can run.
 * Strings: `model` (the model sent upstream), `backend` (the per-rule backend,
 * `<ns>/<name>/route/<route>/rule/<i>/ref/<j>`), `route_name` (`<ns>/<name>`). The rest are token
 * counts, CEL `uint`; a count the provider did not report is 0.
 */
export const COST_VARIABLES = [
  'model',
  'backend',
  'route_name',
  'input_tokens',
  'cached_input_tokens',
  'cache_creation_input_tokens',
  'output_tokens',
  'total_tokens',
  'reasoning_tokens',
] as const;

export type CostVariable = (typeof COST_VARIABLES)[number];

/**
 * Names users bring from the providers' usage objects, with the variable that holds the same
 * count: too far from it in spelling for closestName to find it.
 */
const PROVIDER_NAMES: Readonly<Record<string, CostVariable>> = {
  prompt_tokens: 'input_tokens',
  completion_tokens: 'output_tokens',
  cached_tokens: 'cached_input_tokens',
  cache_read_input_tokens: 'cached_input_tokens',
  cache_creation_tokens: 'cache_creation_input_tokens',
  cache_write_input_tokens: 'cache_creation_input_tokens',
  model_name: 'model',
  backend_name: 'backend',
  route: 'route_name',
};

export function isCostVariable(name: string): name is CostVariable {
  return (COST_VARIABLES as readonly string[]).includes(name);
}

/** The cost variable someone who wrote `name` most likely meant, if any is close. */
export function suggestCostVariable(name: string): CostVariable | undefined {
  const lower = name.toLowerCase();
  if (isCostVariable(lower)) return lower;
  if (Object.hasOwn(PROVIDER_NAMES, lower)) return PROVIDER_NAMES[lower];
  return closestName(lower, COST_VARIABLES);
}
