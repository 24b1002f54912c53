import { explicitCachingUsage } from '../usage/explicit-caching-usage.js';
import type { TokenUsage } from '../usage/token-usage.js';
import type { ConverseUsage } from './converse-types.js';

/**
 * Bedrock's counts in the gateway's terms. Bedrock counts cache reads and writes apart from
 * `inputTokens`, so input is unified to all three (as for Anthropic) and the total is rebuilt
 * from that; counts Bedrock did not report stay unknown.
 */
export function converseTokenUsage(usage: ConverseUsage | undefined): TokenUsage {
  if (!usage) return {};
  return explicitCachingUsage({
    input: usage.inputTokens,
    output: usage.outputTokens,
    cacheRead: usage.cacheReadInputTokens,
    cacheWrite: usage.cacheWriteInputTokens,
  });
}

