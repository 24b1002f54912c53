import { compileCostExpression, type CostInputs, type CostProgram } from './cost-expression.js';
import type { LLMRequestCost } from './filter-config.js';

/** A route cost ready to evaluate: token types read a count, CEL entries run their program. */
export interface CompiledCost {
  metadataKey: string;
  evaluate: CostProgram;
}

/**
 * Compiles a route's llmRequestCosts once, at config load. A count the provider did not report
 * contributes 0, as upstream does: the cost metadata is a number consumed by rate limits, which
 * have no notion of "unknown".
 */
export function compileCosts(costs: readonly LLMRequestCost[]): CompiledCost[] {
  return costs.map((cost) => ({ metadataKey: cost.metadataKey, evaluate: costProgram(cost) }));
}

function costProgram(cost: LLMRequestCost): CostProgram {
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
      return compileCostExpression(cost.cel ?? '');
  }
}

/** Every cost of a finished response, by metadata key. */
export function computeCosts(costs: readonly CompiledCost[], inputs: CostInputs): Record<string, number> {
  const result: Record<string, number> = {};
  for (const cost of costs) result[cost.metadataKey] = cost.evaluate(inputs);
  return result;
}
