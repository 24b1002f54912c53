import { invalidRequestBody, malformedRequest } from '../errors/gateway-error.js';
import { isRecord, optionalNumber, optionalString, type JsonRecord } from '../../common/json-guards.js';

/**
 * The OpenAI chat completion request, read once into typed form for translators that rebuild
 * the body for another provider (Bedrock, Anthropic, Gemini). Pass-through translators never
 * parse it: they forward the client's bytes.
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */
export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  /** `stream_options.include_usage`. */
  includeUsage: boolean;
  /** `max_completion_tokens`, else the deprecated `max_tokens`. */
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  /** `stop`, always as a list. */
  stop?: string[];
  tools?: ChatTool[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  responseFormat?: ResponseFormat;
  /** `reasoning_effort` (`minimal`, `low`, `medium`, `high`). */
  reasoningEffort?: string;
  /** Vendor extension `thinking` (Anthropic shape: `{type, budget_tokens}`), passed on as given. */
  thinking?: JsonRecord;
  /** The whole body, for vendor fields a translator may read. */
  json: JsonRecord;
}

export interface CacheControl {
  cacheControl?: JsonRecord;
}
export interface TextPart extends CacheControl {
  type: 'text';
  text: string;
}
export interface ImagePart extends CacheControl {
  type: 'image';
  /** `image_url.url`: an `https:` URL or a `data:` URI (see `parseDataUri`). */
  url: string;
  detail?: string;
}
/** Assistant reasoning carried back by clients (vendor extension `thinking_blocks`/`reasoning_content`). */
export interface ThinkingPart {
  type: 'thinking';
  thinking: string;
  signature?: string;
}
export interface RedactedThinkingPart {
  type: 'redacted_thinking';
  data: string;
}

export type UserPart = TextPart | ImagePart;

export interface ToolCall {
  id: string;
  name: string;
  /** JSON text as the model produced it. */
  arguments: string;
}

export type ChatMessage =
  | { role: 'system' | 'developer'; content: TextPart[] }
  | { role: 'user'; content: UserPart[] }
  | { role: 'assistant'; content: (TextPart | ThinkingPart | RedactedThinkingPart)[]; toolCalls: ToolCall[] }
  | { role: 'tool'; toolCallId: string; content: TextPart[] };

export interface ChatTool {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  parameters?: JsonRecord;
  strict?: boolean;
}

export type ToolChoice = { type: 'auto' | 'none' | 'required' } | { type: 'function'; name: string };

export type ResponseFormat =
  | { type: 'text' }
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema?: JsonRecord; strict?: boolean; description?: string };

/** Reads an OpenAI chat request body. Shapes OpenAI itself would refuse are 400s. */
export function readChatRequest(json: JsonRecord): ChatRequest {
  const model = optionalString(json.model) ?? '';
  if (!Array.isArray(json.messages)) throw malformedRequest('"messages" must be an array');
  const messages = json.messages.map((message: unknown, index) => readMessage(message, `messages[${index}]`));
  const request: ChatRequest = { model, messages, stream: json.stream === true, includeUsage: false, json };
  if (isRecord(json.stream_options) && json.stream_options.include_usage === true) request.includeUsage = true;
  const maxTokens = optionalNumber(json.max_completion_tokens) ?? optionalNumber(json.max_tokens);
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const temperature = optionalNumber(json.temperature);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = optionalNumber(json.top_p);
  if (topP !== undefined) request.topP = topP;
  if (typeof json.stop === 'string') request.stop = [json.stop];
  else if (Array.isArray(json.stop)) request.stop = json.stop.filter((value): value is string => typeof value === 'string');
  if (Array.isArray(json.tools)) request.tools = json.tools.map((tool: unknown, index) => readTool(tool, `tools[${index}]`));
  if (json.tool_choice !== undefined && json.tool_choice !== null) request.toolChoice = readToolChoice(json.tool_choice);
  if (typeof json.parallel_tool_calls === 'boolean') request.parallelToolCalls = json.parallel_tool_calls;
  if (isRecord(json.response_format)) request.responseFormat = readResponseFormat(json.response_format);
  const effort = optionalString(json.reasoning_effort);
  if (effort !== undefined) request.reasoningEffort = effort;
  if (isRecord(json.thinking)) request.thinking = json.thinking;
  return request;
}

function readMessage(value: unknown, where: string): ChatMessage {
  if (!isRecord(value)) throw malformedRequest(`${where} must be an object`);
  const role = value.role;
  switch (role) {
    case 'system':
    case 'developer':
      return { role, content: textParts(value.content, `${where}.content`) };
    case 'user':
      return { role, content: userParts(value.content, `${where}.content`) };
    case 'assistant':
      return { role, content: assistantParts(value, where), toolCalls: toolCalls(value.tool_calls, `${where}.tool_calls`) };
    case 'tool': {
      const toolCallId = optionalString(value.tool_call_id);
      if (toolCallId === undefined) throw malformedRequest(`${where}.tool_call_id is required for a tool message`);
      return { role, toolCallId, content: textParts(value.content, `${where}.content`) };
    }
    default:
      throw malformedRequest(`${where}.role ${JSON.stringify(role)} is not one of system, developer, user, assistant, tool`);
  }
}

function cacheControlOf(part: JsonRecord): CacheControl {
  return isRecord(part.cache_control) ? { cacheControl: part.cache_control } : {};
}

function textParts(content: unknown, where: string): TextPart[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw malformedRequest(`${where} must be a string or an array of content parts`);
  return content.map((part: unknown, index) => {
    if (!isRecord(part) || part.type !== 'text' || typeof part.text !== 'string') {
      throw invalidRequestBody(`${where}[${index}] must be a text part ({"type":"text","text":…}) here`);
    }
    return { type: 'text', text: part.text, ...cacheControlOf(part) };
  });
}

function userParts(content: unknown, where: string): UserPart[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw malformedRequest(`${where} must be a string or an array of content parts`);
  return content.map((part: unknown, index): UserPart => {
    if (!isRecord(part)) throw malformedRequest(`${where}[${index}] must be an object`);
    if (part.type === 'text' && typeof part.text === 'string') return { type: 'text', text: part.text, ...cacheControlOf(part) };
    if (part.type === 'image_url' && isRecord(part.image_url) && typeof part.image_url.url === 'string') {
      const detail = optionalString(part.image_url.detail);
      return { type: 'image', url: part.image_url.url, ...(detail !== undefined ? { detail } : {}), ...cacheControlOf(part) };
    }
    throw invalidRequestBody(`${where}[${index}]: content part type ${JSON.stringify(part.type)} is not supported for this backend`);
  });
}

function assistantParts(message: JsonRecord, where: string): (TextPart | ThinkingPart | RedactedThinkingPart)[] {
  const parts: (TextPart | ThinkingPart | RedactedThinkingPart)[] = [];
  // Reasoning first: providers that need it back (Anthropic, Bedrock) expect it before the text.
  if (Array.isArray(message.thinking_blocks)) {
    for (const block of message.thinking_blocks) {
      if (!isRecord(block)) continue;
      if (block.type === 'thinking' && typeof block.thinking === 'string') {
        const signature = optionalString(block.signature);
        parts.push({ type: 'thinking', thinking: block.thinking, ...(signature !== undefined ? { signature } : {}) });
      } else if (block.type === 'redacted_thinking' && typeof block.data === 'string') {
        parts.push({ type: 'redacted_thinking', data: block.data });
      }
    }
  }
  const content = message.content;
  if (typeof content === 'string') {
    if (content !== '') parts.push({ type: 'text', text: content });
  } else if (Array.isArray(content)) {
    content.forEach((part: unknown, index) => {
      if (!isRecord(part)) throw malformedRequest(`${where}.content[${index}] must be an object`);
      if (part.type === 'text' && typeof part.text === 'string') parts.push({ type: 'text', text: part.text, ...cacheControlOf(part) });
      else if (part.type === 'refusal' && typeof part.refusal === 'string') parts.push({ type: 'text', text: part.refusal });
      else throw invalidRequestBody(`${where}.content[${index}]: assistant content part type ${JSON.stringify(part.type)} is not supported for this backend`);
    });
  } else if (content !== undefined && content !== null) {
    throw malformedRequest(`${where}.content must be a string or an array of content parts`);
  }
  return parts;
}

function toolCalls(value: unknown, where: string): ToolCall[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw malformedRequest(`${where} must be an array`);
  return value.map((call: unknown, index) => {
    if (!isRecord(call) || !isRecord(call.function) || typeof call.function.name !== 'string') {
      throw malformedRequest(`${where}[${index}] must be {"id","type":"function","function":{"name","arguments"}}`);
    }
    return { id: optionalString(call.id) ?? '', name: call.function.name, arguments: optionalString(call.function.arguments) ?? '' };
  });
}

function readTool(value: unknown, where: string): ChatTool {
  if (!isRecord(value) || !isRecord(value.function) || typeof value.function.name !== 'string') {
    throw invalidRequestBody(`${where} must be a function tool {"type":"function","function":{"name",…}}`);
  }
  const fn = value.function;
  const tool: ChatTool = { name: value.function.name };
  const description = optionalString(fn.description);
  if (description !== undefined) tool.description = description;
  if (isRecord(fn.parameters)) tool.parameters = fn.parameters;
  if (typeof fn.strict === 'boolean') tool.strict = fn.strict;
  return tool;
}

function readToolChoice(value: unknown): ToolChoice {
  if (value === 'auto' || value === 'none' || value === 'required') return { type: value };
  if (isRecord(value) && isRecord(value.function) && typeof value.function.name === 'string') {
    return { type: 'function', name: value.function.name };
  }
  throw invalidRequestBody(`tool_choice ${JSON.stringify(value)} is not "auto", "none", "required" or {"type":"function","function":{"name"}}`);
}

function readResponseFormat(value: JsonRecord): ResponseFormat {
  switch (value.type) {
    case 'text':
    case 'json_object':
      return { type: value.type };
    case 'json_schema': {
      const spec = isRecord(value.json_schema) ? value.json_schema : {};
      const format: ResponseFormat = { type: 'json_schema', name: optionalString(spec.name) ?? 'response' };
      if (isRecord(spec.schema)) format.schema = spec.schema;
      if (typeof spec.strict === 'boolean') format.strict = spec.strict;
      const description = optionalString(spec.description);
      if (description !== undefined) format.description = description;
      return format;
    }
    default:
      throw invalidRequestBody(`response_format type ${JSON.stringify(value.type)} is not supported`);
  }
}

/** `data:<media type>;base64,<data>` split into its parts; undefined for anything else. */
export function parseDataUri(url: string): { mediaType: string; base64: string } | undefined {
  const match = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (!match?.[1] || match[2] === undefined) return undefined;
  return { mediaType: match[1], base64: match[2] };
}

/** All text of some parts, joined (for providers that take one string). */
export function joinText(parts: readonly { type: string; text?: string }[]): string {
  return parts.map((part) => (part.type === 'text' ? (part.text ?? '') : '')).join('');
}
