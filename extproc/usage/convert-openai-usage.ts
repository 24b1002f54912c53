import { isRecord, optionalNumber } from '../../common/json-guards.js';
import type { TokenUsage } from './token-usage.js';

/**
 * Reads an OpenAI `usage` object (chat, completions, embeddings).
 * @see https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage
 */
export function convertOpenAIUsage(usage: unknown): TokenUsage | undefined {
  if (!isRecord(usage)) return undefined;
  const result: TokenUsage = {};
  const input = optionalNumber(usage.prompt_tokens);
  const output = optionalNumber(usage.completion_tokens);
  const total = optionalNumber(usage.total_tokens);
  if (input !== undefined) result.inputTokens = input;
  if (output !== undefined) result.outputTokens = output;
  if (total !== undefined) result.totalTokens = total;
  const promptDetails = usage.prompt_tokens_details;
  if (isRecord(promptDetails)) {
    const cached = optionalNumber(promptDetails.cached_tokens);
    if (cached !== undefined) result.cachedInputTokens = cached;
    const cacheCreation = optionalNumber(promptDetails.cache_creation_input_tokens);
    if (cacheCreation !== undefined) result.cacheCreationInputTokens = cacheCreation;
  }
  const completionDetails = usage.completion_tokens_details;
  if (isRecord(completionDetails)) {
    const reasoning = optionalNumber(completionDetails.reasoning_tokens);
    if (reasoning !== undefined) result.reasoningTokens = reasoning;
  }
  return result;
}
