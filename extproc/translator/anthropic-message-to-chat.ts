import { isRecord, optionalString, type JsonRecord } from '../../common/json-guards.js';
import type { TokenUsage } from '../usage/token-usage.js';
import { openAIUsage, unixSeconds, type ChatCompletionOut, type ChatMessageOut, type ChatToolCallOut, type FinishReason, type ThinkingBlockOut } from './openai-chat-response.js';

/**
 * Anthropic's `stop_reason` as OpenAI's `finish_reason`. `pause_turn` (a server tool paused the
 * turn) and unknown reasons end the turn like `end_turn`; a refusal is OpenAI's content filter.
 * @see https://docs.anthropic.com/en/api/handling-stop-reasons
 */
export function finishReasonOf(stopReason: unknown): FinishReason {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'content_filter';
    default:
      return 'stop';
  }
}

/**
 * A whole Anthropic message as an OpenAI `chat.completion`: text blocks become the content,
 * `tool_use` blocks tool calls (input as JSON text), thinking the vendor fields
 * `reasoning_content` and `thinking_blocks` (with signatures, to send back next turn).
 * Blocks OpenAI has no place for (server tool results) are left out.
 */
export function anthropicMessageToChat(message: JsonRecord, usage: TokenUsage, fallbackModel: string): ChatCompletionOut {
  const text: string[] = [];
  const reasoning: string[] = [];
  const toolCalls: ChatToolCallOut[] = [];
  const thinkingBlocks: ThinkingBlockOut[] = [];
  const content = Array.isArray(message.content) ? message.content : [];
  for (const block of content) {
    if (!isRecord(block)) continue;
    if (block.type === 'text' && typeof block.text === 'string') {
      text.push(block.text);
    } else if (block.type === 'tool_use' && typeof block.name === 'string') {
      const input = block.input ?? {};
      toolCalls.push({ id: optionalString(block.id) ?? '', type: 'function', function: { name: block.name, arguments: JSON.stringify(input) } });
    } else if (block.type === 'thinking' && typeof block.thinking === 'string') {
      reasoning.push(block.thinking);
      const signature = optionalString(block.signature);
      thinkingBlocks.push({ type: 'thinking', thinking: block.thinking, ...(signature !== undefined ? { signature } : {}) });
    } else if (block.type === 'redacted_thinking' && typeof block.data === 'string') {
      thinkingBlocks.push({ type: 'redacted_thinking', data: block.data });
    }
  }
  const out: ChatMessageOut = { role: 'assistant', content: text.length > 0 ? text.join('') : null };
  if (toolCalls.length > 0) out.tool_calls = toolCalls;
  if (reasoning.length > 0) out.reasoning_content = reasoning.join('');
  if (thinkingBlocks.length > 0) out.thinking_blocks = thinkingBlocks;
  const id = optionalString(message.id);
  return {
    ...(id !== undefined ? { id } : {}),
    object: 'chat.completion',
    created: unixSeconds(),
    model: optionalString(message.model) ?? fallbackModel,
    choices: [{ index: 0, message: out, finish_reason: finishReasonOf(message.stop_reason) }],
    usage: openAIUsage(usage),
  };
}
