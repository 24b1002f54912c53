import { invalidRequestBody } from '../errors/gateway-error.js';
import { isRecord } from '../../common/json-guards.js';
import { parseDataUri, type CacheControl, type ChatMessage, type ToolCall, type UserPart } from './openai-chat-request.js';
import { converseImageFormat } from './converse-image-format.js';
import type { ConverseCachePoint, ConverseContentBlock, ConverseMessage, ConverseRole, ConverseSystemBlock } from './converse-types.js';

const CACHE_POINT: ConverseCachePoint = { cachePoint: { type: 'default' } };

/**
 * OpenAI chat messages as Converse `system` and `messages`.
 * - system and developer messages, wherever they are, become `system` blocks;
 * - tool results become `toolResult` blocks of a user turn;
 * - consecutive messages that land on the same Converse role are merged into one turn, because
 *   Converse requires user and assistant turns to alternate (several tool results, or tool
 *   results followed by a user message, are one user turn);
 * - `cache_control` on a part becomes a cache point right after that part's block.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Message.html
 */
export function chatMessagesToConverse(messages: readonly ChatMessage[]): { system: ConverseSystemBlock[]; messages: ConverseMessage[] } {
  const system: ConverseSystemBlock[] = [];
  const turns: ConverseMessage[] = [];
  const append = (role: ConverseRole, blocks: ConverseContentBlock[]): void => {
    // An empty message (e.g. an assistant turn with neither text nor tool calls) says nothing.
    if (blocks.length === 0) return;
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  };
  messages.forEach((message, index) => {
    const where = `messages[${index}]`;
    switch (message.role) {
      case 'system':
      case 'developer':
        for (const part of message.content) system.push({ text: part.text }, ...cachePointFor(part));
        break;
      case 'user':
        append('user', message.content.flatMap((part, partIndex) => userBlocks(part, `${where}.content[${partIndex}]`)));
        break;
      case 'assistant':
        append('assistant', assistantBlocks(message.content, message.toolCalls, where));
        break;
      case 'tool':
        append('user', [
          { toolResult: { toolUseId: message.toolCallId, content: message.content.map((part) => ({ text: part.text })) } },
          // A cache point cannot go inside a tool result; right after it caches the same prefix.
          ...(message.content.some((part) => part.cacheControl) ? [CACHE_POINT] : []),
        ]);
        break;
    }
  });
  return { system, messages: turns };
}

function cachePointFor(part: CacheControl): ConverseCachePoint[] {
  return part.cacheControl ? [CACHE_POINT] : [];
}

function userBlocks(part: UserPart, where: string): ConverseContentBlock[] {
  if (part.type === 'text') return [{ text: part.text }, ...cachePointFor(part)];
  const data = parseDataUri(part.url);
  if (!data) throw invalidRequestBody(`${where}: AWS Bedrock takes images only as data: URIs (data:image/png;base64,…), not URLs`);
  const format = converseImageFormat(data.mediaType);
  if (!format) throw invalidRequestBody(`${where}: image type ${JSON.stringify(data.mediaType)} is not one of png, jpeg, gif, webp`);
  return [{ image: { format, source: { bytes: data.base64 } } }, ...cachePointFor(part)];
}

function assistantBlocks(content: Extract<ChatMessage, { role: 'assistant' }>['content'], toolCalls: readonly ToolCall[], where: string): ConverseContentBlock[] {
  const blocks: ConverseContentBlock[] = [];
  for (const part of content) {
    switch (part.type) {
      case 'thinking':
        blocks.push({ reasoningContent: { reasoningText: { text: part.thinking, ...(part.signature !== undefined ? { signature: part.signature } : {}) } } });
        break;
      case 'redacted_thinking':
        blocks.push({ reasoningContent: { redactedContent: part.data } });
        break;
      case 'text':
        blocks.push({ text: part.text }, ...cachePointFor(part));
        break;
    }
  }
  toolCalls.forEach((call, index) => {
    blocks.push({ toolUse: { toolUseId: call.id, name: call.name, input: toolInput(call.arguments, `${where}.tool_calls[${index}].function.arguments`) } });
  });
  return blocks;
}

/** Converse takes a tool call's arguments as a JSON object, where OpenAI has them as JSON text. */
function toolInput(text: string, where: string): unknown {
  // Clients echo back "" for a call without arguments; it means the same as {}.
  if (text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidRequestBody(`${where} is not JSON; AWS Bedrock needs the arguments of a tool call as a JSON object`);
  }
  if (!isRecord(parsed)) throw invalidRequestBody(`${where} must be a JSON object for AWS Bedrock`);
  return parsed;
}
