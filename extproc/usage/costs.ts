import type { CostInputs, CostProgram } from './cost-expression.js';
import type { LLMRequestCost } from '../../contract/filter-config.js';

/** A route cost ready to evaluate: token types read a count, CEL entries run their program. */
export interface CompiledCost {
  metadataKey: string;
  evaluate: CostProgram;
  /** Only for this AIServiceBackend (`<ns>/<name>`) / model (QuotaPolicy costs). */
  backend?: string;
  model?: string;
}

/** Compiles a CEL cost expression (cost-expression.ts); loaded only by configurations that have one. */
export type CelCostCompiler = (expression: string) => CostProgram;

/** Whether any route has a CEL cost, i.e. whether the CEL compiler must be loaded. */
export function hasCelCosts(routes: readonly { costs: readonly LLMRequestCost[] }[]): boolean {
  return routes.some((route) => route.costs.some((cost) => cost.type === 'CEL'));
}

/**
 * Compiles a route's llmRequestCosts once, at config load. A count the provider did not report
 * contributes 0, as upstream does: the cost metadata is a number consumed by rate limits, which
 * have no notion of "unknown".
 */
export function compileCosts(costs: readonly LLMRequestCost[], compileCel?: CelCostCompiler): CompiledCost[] {
  return costs.map((cost) => ({
    metadataKey: cost.metadataKey,
    evaluate: costProgram(cost, compileCel),
    ...(cost.backend !== undefined ? { backend: cost.backend } : {}),
    ...(cost.model !== undefined ? { model: cost.model } : {}),
  }));
}

function costProgram(cost: LLMRequestCost, compileCel: CelCostCompiler | undefined): CostProgram {
  switch (cost.type) {
    case 'InputToken':
      return ({ usage }) => usage.inputTokens ?? 0;
    case 'CachedInputToken':
      return ({ usage }) => usage.cachedInputTokens ?? 0;
    case 'CacheCreationInputToken':
      return ({ usage }) => usage.cacheCreationInputTokens ?? 0;
    case 'OutputToken':
      return ({ usage }) => usage.outputTokens ?? 0;
    case 'TotalToken':
      return ({ usage }) => usage.totalTokens ?? 0;
    case 'ReasoningToken':
      return ({ usage }) => usage.reasoningTokens ?? 0;
    case 'CEL':
      if (!compileCel) throw new Error('a CEL cost needs the CEL compiler: load cost-expression.js when hasCelCosts() says so');
      return compileCel(cost.cel ?? '');
  }
}

/**
 * Every cost of a finished response, by metadata key. A cost filtered to a backend or model
 * (a QuotaPolicy's) counts only when `aiServiceBackend` / `inputs.model` are those.
 */
export function computeCosts(costs: readonly CompiledCost[], inputs: CostInputs, aiServiceBackend?: string): Record<string, number> {
  const result: Record<string, number> = {};
  for (const cost of costs) {
    if (cost.backend !== undefined && cost.backend !== aiServiceBackend) continue;
    if (cost.model !== undefined && cost.model !== inputs.model) continue;
    result[cost.metadataKey] = cost.evaluate(inputs);
  }
  return result;
}
