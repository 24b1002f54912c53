import { isRecord, optionalNumber } from '../../common/json-guards.js';
import type { TokenUsage } from './token-usage.js';

/**
 * Reads Gemini's `usageMetadata` (generateContent, each streamGenerateContent chunk, and
 * embedContent). Thinking tokens are billed as output but reported apart from the candidates'
 * tokens, so completion = candidates + thoughts while reasoning keeps the thoughts alone. The
 * total is Gemini's own (it also counts tool-use prompt tokens). Counts Gemini left out stay unset.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/GenerateContentResponse#UsageMetadata
 */
export function convertGeminiUsage(usageMetadata: unknown): TokenUsage | undefined {
  if (!isRecord(usageMetadata)) return undefined;
  const usage: TokenUsage = {};
  const prompt = optionalNumber(usageMetadata.promptTokenCount);
  const candidates = optionalNumber(usageMetadata.candidatesTokenCount);
  const thoughts = optionalNumber(usageMetadata.thoughtsTokenCount);
  const total = optionalNumber(usageMetadata.totalTokenCount);
  const cached = optionalNumber(usageMetadata.cachedContentTokenCount);
  if (prompt !== undefined) usage.inputTokens = prompt;
  if (candidates !== undefined || thoughts !== undefined) usage.outputTokens = (candidates ?? 0) + (thoughts ?? 0);
  if (total !== undefined) usage.totalTokens = total;
  if (cached !== undefined) usage.cachedInputTokens = cached;
  if (thoughts !== undefined) usage.reasoningTokens = thoughts;
  return usage;
}
