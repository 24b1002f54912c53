import { isRecord, optionalString, type JsonRecord } from '../../common/json-guards.js';
import type { TokenUsage } from '../usage/token-usage.js';

/**
 * OpenAI chat completion responses in Anthropic's Messages shape, for Anthropic-API clients of
 * an OpenAI-compatible backend.
 * @see https://docs.anthropic.com/en/api/messages
 */

type Json = Record<string, unknown>;

/** OpenAI's `finish_reason` as Anthropic's `stop_reason`. */
export function stopReasonOf(finishReason: unknown): string {
  switch (finishReason) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

/**
 * Anthropic's `usage` from the gateway's counts: Anthropic's `input_tokens` excludes cache
 * reads and writes, which OpenAI's `prompt_tokens` includes, so they are taken back out.
 */
export function anthropicUsageOut(usage: TokenUsage): Json {
  const cacheRead = usage.cachedInputTokens;
  const cacheWrite = usage.cacheCreationInputTokens;
  const out: Json = {
    input_tokens: Math.max(0, (usage.inputTokens ?? 0) - (cacheRead ?? 0) - (cacheWrite ?? 0)),
    output_tokens: usage.outputTokens ?? 0,
  };
  if (cacheRead !== undefined) out.cache_read_input_tokens = cacheRead;
  if (cacheWrite !== undefined) out.cache_creation_input_tokens = cacheWrite;
  return out;
}

/** The JSON text of tool-call arguments as Anthropic's `input` object (`{}` when not an object). */
export function toolInputOf(argumentsText: unknown): JsonRecord {
  if (typeof argumentsText !== 'string' || argumentsText.trim() === '') return {};
  try {
    const parsed: unknown = JSON.parse(argumentsText);
    return isRecord(parsed) ? parsed : {};
  } catch {
    return {};
  }
}

/**
 * A `chat.completion` as an Anthropic `message`: reasoning (`reasoning_content`, or vLLM's
 * `reasoning`) first as a thinking block, then the text (or refusal), then tool calls.
 */
export function chatToAnthropicMessage(chat: JsonRecord, usage: TokenUsage, fallbackModel: string): Json {
  if (!Array.isArray(chat.choices)) throw new Error('OpenAI chat completion has no "choices"');
  const choice: unknown = chat.choices[0];
  const message = isRecord(choice) && isRecord(choice.message) ? choice.message : {};
  const content: Json[] = [];
  const reasoning = optionalString(message.reasoning_content) ?? optionalString(message.reasoning);
  if (reasoning) content.push({ type: 'thinking', thinking: reasoning, signature: '' });
  const text = textOf(message.content) ?? optionalString(message.refusal);
  if (text) content.push({ type: 'text', text });
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      if (!isRecord(call) || !isRecord(call.function)) continue;
      content.push({ type: 'tool_use', id: optionalString(call.id) ?? '', name: optionalString(call.function.name) ?? '', input: toolInputOf(call.function.arguments) });
    }
  }
  return {
    id: optionalString(chat.id) ?? '',
    type: 'message',
    role: 'assistant',
    model: optionalString(chat.model) ?? fallbackModel,
    content,
    stop_reason: stopReasonOf(isRecord(choice) ? choice.finish_reason : undefined),
    stop_sequence: null,
    usage: anthropicUsageOut(usage),
  };
}

/** Message content as text: a string, or the text of its parts (some backends answer with parts). */
function textOf(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  return content.map((part: unknown) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('');
}
