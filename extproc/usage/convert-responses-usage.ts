import { isRecord, optionalNumber } from '../../common/json-guards.js';
import type { TokenUsage } from './token-usage.js';

/**
 * Reads a Responses-API-style `usage` object (`/v1/responses`, also images): `input_tokens`,
 * `output_tokens`, `total_tokens` and their details.
 * @see https://platform.openai.com/docs/api-reference/responses/object#responses/object-usage
 */
export function convertResponsesUsage(usage: unknown): TokenUsage | undefined {
  if (!isRecord(usage)) return undefined;
  const result: TokenUsage = {};
  const input = optionalNumber(usage.input_tokens);
  const output = optionalNumber(usage.output_tokens);
  const total = optionalNumber(usage.total_tokens);
  if (input !== undefined) result.inputTokens = input;
  if (output !== undefined) result.outputTokens = output;
  if (total !== undefined) result.totalTokens = total;
  const inputDetails = usage.input_tokens_details;
  if (isRecord(inputDetails)) {
    const cached = optionalNumber(inputDetails.cached_tokens);
    if (cached !== undefined) result.cachedInputTokens = cached;
    const cacheCreation = optionalNumber(inputDetails.cache_creation_tokens);
    if (cacheCreation !== undefined) result.cacheCreationInputTokens = cacheCreation;
  }
  const outputDetails = usage.output_tokens_details;
  if (isRecord(outputDetails)) {
    const reasoning = optionalNumber(outputDetails.reasoning_tokens);
    if (reasoning !== undefined) result.reasoningTokens = reasoning;
  }
  return result;
}

/** Usage of a Responses-shape body or stream event (`response.completed` carries it under `response`). */
export function readResponsesUsage(parsed: Record<string, unknown>): TokenUsage | undefined {
  return convertResponsesUsage(parsed.usage) ?? (isRecord(parsed.response) ? convertResponsesUsage(parsed.response.usage) : undefined);
}
