import type { TokenUsage } from './token-usage.js';

/**
 * Usage from providers that count cache reads and writes apart from input (Anthropic, Bedrock):
 * input is unified to input + cache read + cache write, so `input` means the same for every
 * provider, and total = unified input + output. Counts the provider did not report stay unset.
 */
export function explicitCachingUsage(counts: {
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
}): TokenUsage {
  const usage: TokenUsage = {};
  const { input, output, cacheRead, cacheWrite } = counts;
  if (input !== undefined || cacheRead !== undefined || cacheWrite !== undefined) {
    usage.inputTokens = (input ?? 0) + (cacheRead ?? 0) + (cacheWrite ?? 0);
  }
  if (output !== undefined) usage.outputTokens = output;
  if (cacheRead !== undefined) usage.cachedInputTokens = cacheRead;
  if (cacheWrite !== undefined) usage.cacheCreationInputTokens = cacheWrite;
  if (usage.inputTokens !== undefined && output !== undefined) usage.totalTokens = usage.inputTokens + output;
  return usage;
}
