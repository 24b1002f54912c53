import type { ConverseOutputBlock, ConverseResponse, ConverseStopReason, ConverseUsage } from './converse-types.js';

/**
 * Bedrock Converse answers in Anthropic's Messages shape, for Anthropic-API clients of an
 * AWSBedrock backend.
 * @see https://docs.anthropic.com/en/api/messages
 */

type Json = Record<string, unknown>;

/**
 * Anthropic's `stop_reason` for a Converse stop reason: Claude's own reasons keep their names,
 * a guardrail or content filter is a refusal, and anything else ends the turn.
 */
export function converseStopReasonToAnthropic(stopReason: ConverseStopReason | undefined): string {
  switch (stopReason) {
    case 'tool_use':
    case 'max_tokens':
    case 'stop_sequence':
    case 'model_context_window_exceeded':
      return stopReason;
    case 'guardrail_intervened':
    case 'content_filtered':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

/** Bedrock's counts as Anthropic's `usage`: both count input apart from cache reads and writes. */
export function converseUsageToAnthropic(usage: ConverseUsage | undefined): Json {
  const out: Json = { input_tokens: usage?.inputTokens ?? 0, output_tokens: usage?.outputTokens ?? 0 };
  if (usage?.cacheReadInputTokens !== undefined) out.cache_read_input_tokens = usage.cacheReadInputTokens;
  if (usage?.cacheWriteInputTokens !== undefined) out.cache_creation_input_tokens = usage.cacheWriteInputTokens;
  return out;
}

/** One Converse output block as an Anthropic content block. */
export function converseBlockToAnthropic(block: ConverseOutputBlock): Json {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: block.text };
    case 'toolUse':
      return { type: 'tool_use', id: block.toolUse.toolUseId, name: block.toolUse.name, input: block.toolUse.input };
    case 'reasoningText':
      return { type: 'thinking', thinking: block.text, signature: block.signature ?? '' };
    case 'redactedReasoning':
      return { type: 'redacted_thinking', data: block.data };
  }
}

/** A Converse response as an Anthropic `message`; Bedrock names neither the message nor the model. */
export function converseToAnthropicMessage(response: ConverseResponse, meta: { id: string; model: string }): Json {
  return {
    id: meta.id,
    type: 'message',
    role: 'assistant',
    model: meta.model,
    content: response.content.map(converseBlockToAnthropic),
    stop_reason: converseStopReasonToAnthropic(response.stopReason),
    stop_sequence: null,
    usage: converseUsageToAnthropic(response.usage),
  };
}
