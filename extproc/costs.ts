import type { LLMRequestCost } from './filter-config.js';
import type { TokenUsage } from './usage/token-usage.js';

/**
 * Evaluates a route's llmRequestCosts for a finished response. A count the provider did not
 * report contributes 0 here, as upstream does: the cost metadata is a number consumed by rate
 * limits, which have no notion of "unknown".
 */
export function computeCosts(costs: readonly LLMRequestCost[], usage: TokenUsage): Record<string, number> {
  const result: Record<string, number> = {};
  for (const cost of costs) {
    const value = costValue(cost, usage);
    if (value !== undefined) result[cost.metadataKey] = value;
  }
  return result;
}

function costValue(cost: LLMRequestCost, usage: TokenUsage): number | undefined {
  switch (cost.type) {
    case 'InputToken':
      return usage.inputTokens ?? 0;
    case 'CachedInputToken':
      return usage.cachedInputTokens ?? 0;
    case 'CacheCreationInputToken':
      return usage.cacheCreationInputTokens ?? 0;
    case 'OutputToken':
      return usage.outputTokens ?? 0;
    case 'TotalToken':
      return usage.totalTokens ?? 0;
    case 'ReasoningToken':
      return usage.reasoningTokens ?? 0;
    case 'CEL':
      // The compiler rejects CEL costs until the CEL evaluator lands; never reached.
      return undefined;
  }
}
