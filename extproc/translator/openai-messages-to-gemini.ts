import { invalidRequestBody } from '../errors/gateway-error.js';
import { isRecord, optionalString, type JsonRecord } from '../../common/json-guards.js';
import type { GeminiContent, GeminiPart } from './gemini-api-types.js';
import { guessMimeType } from './guess-mime-type.js';
import { joinText, parseDataUri, type ChatRequest, type ToolCall, type UserPart } from './openai-chat-request.js';

export interface GeminiConversation {
  contents: GeminiContent[];
  /** The text of every system and developer message, in order (Gemini has one system instruction). */
  systemParts: GeminiPart[];
}

/**
 * OpenAI chat messages as Gemini `contents`: assistant turns become role `model`, tool results
 * become `functionResponse` parts (Gemini matches them by function name, so the name is found
 * from the assistant tool call with the same id), and system/developer messages, wherever they
 * stand, become the system instruction.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/multimodal/function-calling
 */
export function openAIMessagesToGemini(chat: ChatRequest): GeminiConversation {
  const contents: GeminiContent[] = [];
  const systemParts: GeminiPart[] = [];
  const toolNames = new Map<string, string>();
  // Gemini wants the responses to one turn's parallel calls together, in one content.
  let toolResults: GeminiContent | undefined;
  const rawMessages: readonly unknown[] = Array.isArray(chat.json.messages) ? chat.json.messages : [];

  chat.messages.forEach((message, index) => {
    if (message.role !== 'tool') toolResults = undefined;
    switch (message.role) {
      case 'system':
      case 'developer':
        for (const part of message.content) if (part.text !== '') systemParts.push({ text: part.text });
        return;
      case 'user':
        push(contents, 'user', message.content.flatMap((part) => userPart(part, `messages[${index}]`)));
        return;
      case 'assistant': {
        const parts: GeminiPart[] = [];
        // Reasoning text is not sent back: Gemini keeps its context through signatures, which
        // travel on the tool calls (see toolCallPart).
        for (const part of message.content) if (part.type === 'text' && part.text !== '') parts.push({ text: part.text });
        const rawCalls = rawToolCalls(rawMessages[index]);
        message.toolCalls.forEach((call, callIndex) => {
          toolNames.set(call.id, call.name);
          parts.push(toolCallPart(call, rawCalls[callIndex], `messages[${index}].tool_calls[${callIndex}]`));
        });
        push(contents, 'model', parts);
        return;
      }
      case 'tool': {
        const name = toolNames.get(message.toolCallId);
        if (name === undefined) {
          throw invalidRequestBody(`messages[${index}].tool_call_id ${JSON.stringify(message.toolCallId)} does not match a tool call of an earlier assistant message`);
        }
        const part: GeminiPart = { functionResponse: { name, response: functionResponse(joinText(message.content)) } };
        if (toolResults) toolResults.parts.push(part);
        else {
          toolResults = { role: 'user', parts: [part] };
          contents.push(toolResults);
        }
        return;
      }
    }
  });
  return { contents, systemParts };
}

/** Gemini refuses a content without parts (and empty text parts), so empty messages are left out. */
function push(contents: GeminiContent[], role: GeminiContent['role'], parts: GeminiPart[]): void {
  if (parts.length > 0) contents.push({ role, parts });
}

function userPart(part: UserPart, where: string): GeminiPart[] {
  if (part.type === 'text') return part.text === '' ? [] : [{ text: part.text }];
  const url = part.url;
  if (url.startsWith('data:')) {
    const data = parseDataUri(url);
    if (!data) throw invalidRequestBody(`${where}: an image data URI must be base64 (data:<media type>;base64,…)`);
    return [{ inlineData: { mimeType: data.mediaType, data: data.base64 } }];
  }
  // Vertex reads Cloud Storage objects and public HTTP(S) URLs itself.
  if (/^(gs|https?):\/\//i.test(url)) return [{ fileData: { mimeType: guessMimeType(url, 'image/jpeg'), fileUri: url } }];
  throw invalidRequestBody(`${where}: image_url must be a data URI, a gs:// URI or an http(s) URL`);
}

function toolCallPart(call: ToolCall, raw: unknown, where: string): GeminiPart {
  let args: unknown;
  try {
    args = call.arguments.trim() === '' ? {} : JSON.parse(call.arguments);
  } catch {
    throw invalidRequestBody(`${where}.function.arguments is not valid JSON`);
  }
  if (!isRecord(args)) throw invalidRequestBody(`${where}.function.arguments must be a JSON object`);
  const signature = thoughtSignature(raw);
  return { functionCall: { name: call.name, args }, ...(signature !== undefined ? { thoughtSignature: signature } : {}) };
}

function rawToolCalls(message: unknown): unknown[] {
  return isRecord(message) && Array.isArray(message.tool_calls) ? message.tool_calls : [];
}

/**
 * The signature the gateway attached to a tool call it returned, as Google's own OpenAI-compatible
 * API does (`extra_content.google.thought_signature`); Gemini 3 refuses function calls sent back
 * without it.
 */
function thoughtSignature(call: unknown): string | undefined {
  if (!isRecord(call) || !isRecord(call.extra_content) || !isRecord(call.extra_content.google)) return undefined;
  return optionalString(call.extra_content.google.thought_signature);
}

/**
 * A tool result as Gemini's `response` object: a JSON object result is passed as is, anything
 * else goes under `output`, the key Gemini documents for a function's output.
 */
function functionResponse(text: string): JsonRecord {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed)) return parsed;
  } catch {
    // Plain text result.
  }
  return { output: text };
}
