/**
 * gen_ai.response.* and gen_ai.usage.* for the chat-shaped APIs that are not OpenAI chat
 * completions: the Responses API (`input_tokens`, `output_tokens` and their details) and
 * Anthropic Messages (input counted with cache reads and writes, as upstream's token usage
 * unifies it). Zero and absent counts are left out, as for chat completions.
 */
import { isRecord, optionalNumber, type JsonRecord } from '../../../common/json-guards.js';
import { GEN_AI } from './gen-ai-attributes.js';
import type { SpanAttributes, SpanOutcome } from './span-attributes.js';

function identity(body: JsonRecord): SpanAttributes {
  const attrs: SpanAttributes = [];
  if (typeof body.id === 'string' && body.id !== '') attrs.push([GEN_AI.responseId, body.id]);
  if (typeof body.model === 'string' && body.model !== '') attrs.push([GEN_AI.responseModel, body.model]);
  return attrs;
}

function counts(entries: readonly (readonly [string, number | undefined])[]): SpanAttributes {
  return entries.flatMap(([key, value]) => (value !== undefined && value > 0 ? [[key, value] as const] : []));
}

/** A Responses API response (for a stream: the response of `response.completed`). */
export function genAIResponsesOutcome(body: unknown): SpanOutcome {
  const resp: JsonRecord = isRecord(body) ? body : {};
  const usage: JsonRecord = isRecord(resp.usage) ? resp.usage : {};
  const input: JsonRecord = isRecord(usage.input_tokens_details) ? usage.input_tokens_details : {};
  const output: JsonRecord = isRecord(usage.output_tokens_details) ? usage.output_tokens_details : {};
  const attrs = [
    ...identity(resp),
    ...counts([
      [GEN_AI.usageInputTokens, optionalNumber(usage.input_tokens)],
      [GEN_AI.usageOutputTokens, optionalNumber(usage.output_tokens)],
      [GEN_AI.usageCacheReadInputTokens, optionalNumber(input.cached_tokens)],
      [GEN_AI.usageCacheCreationInputTokens, optionalNumber(input.cache_creation_tokens)],
      [GEN_AI.usageReasoningOutputTokens, optionalNumber(output.reasoning_tokens)],
    ]),
  ];
  return { attributes: attrs, events: [], status: { code: 'UNSET' } };
}

/** An Anthropic Messages response (for a stream: the folded events). */
export function genAIMessagesOutcome(body: unknown): SpanOutcome {
  const resp: JsonRecord = isRecord(body) ? body : {};
  const usage: JsonRecord = isRecord(resp.usage) ? resp.usage : {};
  const cacheRead = optionalNumber(usage.cache_read_input_tokens);
  const cacheWrite = optionalNumber(usage.cache_creation_input_tokens);
  const input = optionalNumber(usage.input_tokens);
  const attrs = [
    ...identity(resp),
    ...counts([
      [GEN_AI.usageInputTokens, input === undefined ? undefined : input + (cacheRead ?? 0) + (cacheWrite ?? 0)],
      [GEN_AI.usageOutputTokens, optionalNumber(usage.output_tokens)],
      [GEN_AI.usageCacheReadInputTokens, cacheRead],
      [GEN_AI.usageCacheCreationInputTokens, cacheWrite],
    ]),
  ];
  if (typeof resp.stop_reason === 'string' && resp.stop_reason !== '') attrs.push([GEN_AI.responseFinishReasons, [resp.stop_reason]]);
  return { attributes: attrs, events: [], status: { code: 'UNSET' } };
}
