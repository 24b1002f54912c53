import type { TokenUsage } from '../usage/token-usage.js';
import type { ConverseResponse } from './converse-types.js';
import { converseStopReasonToChat } from './converse-stop-reason-to-chat.js';
import { openAIUsage, type ChatCompletionOut, type ChatMessageOut, type ThinkingBlockOut } from './openai-chat-response.js';

/**
 * A Converse response as an OpenAI `chat.completion`. Bedrock names neither the response nor the
 * model, so the caller gives the request ID, the request model and the time. The content is the
 * *first* text block, as upstream answers (its data-plane tests pin it: three text blocks give
 * the first one's text).
 */
export function converseToChatCompletion(
  response: ConverseResponse,
  usage: TokenUsage,
  meta: { id?: string; model: string; created: number },
): ChatCompletionOut {
  const message: ChatMessageOut = { role: 'assistant' };
  const reasoning: string[] = [];
  const thinkingBlocks: ThinkingBlockOut[] = [];
  for (const block of response.content) {
    switch (block.type) {
      case 'text':
        if (message.content === undefined) message.content = block.text;
        break;
      case 'toolUse':
        (message.tool_calls ??= []).push({
          id: block.toolUse.toolUseId,
          type: 'function',
          function: { name: block.toolUse.name, arguments: JSON.stringify(block.toolUse.input) },
        });
        break;
      case 'reasoningText':
        reasoning.push(block.text);
        thinkingBlocks.push({ type: 'thinking', thinking: block.text, ...(block.signature !== undefined ? { signature: block.signature } : {}) });
        break;
      case 'redactedReasoning':
        thinkingBlocks.push({ type: 'redacted_thinking', data: block.data });
        break;
    }
  }
  // OpenAI's shape for a message without text (only tool calls).
  if (message.content === undefined) message.content = null;
  if (reasoning.length > 0) message.reasoning_content = reasoning.join('');
  if (thinkingBlocks.length > 0) message.thinking_blocks = thinkingBlocks;
  return {
    ...(meta.id !== undefined ? { id: meta.id } : {}),
    object: 'chat.completion',
    created: meta.created,
    model: meta.model,
    choices: [{ index: 0, message, finish_reason: converseStopReasonToChat(response.stopReason) }],
    ...(response.usage ? { usage: openAIUsage(usage) } : {}),
  };
}
