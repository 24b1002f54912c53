/**
 * Token counts for one response. Every field is `undefined` when the provider did not report
 * it: "unknown" must stay distinguishable from 0, or dashboards under-count silently.
 */
export interface TokenUsage {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cachedInputTokens?: number;
  cacheCreationInputTokens?: number;
  reasoningTokens?: number;
}

/** Later reports win field by field (streams report cumulative counts, sometimes partially). */
export function mergeUsage(current: TokenUsage, update: TokenUsage): TokenUsage {
  const merged: TokenUsage = { ...current };
  for (const key of Object.keys(update) as (keyof TokenUsage)[]) {
    const value = update[key];
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}
