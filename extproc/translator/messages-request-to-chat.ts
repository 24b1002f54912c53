import { invalidRequestBody, malformedRequest } from '../errors/gateway-error.js';
import { isRecord, optionalNumber, optionalString, type JsonRecord } from '../../common/json-guards.js';

/**
 * An Anthropic Messages request as an OpenAI chat completion request, for Anthropic-API
 * clients served by an OpenAI-compatible backend. Anthropic features with no OpenAI
 * counterpart that change the answer (server tools, MCP servers, images inside tool results)
 * are 422s; hints that only tune generation (`top_k`, `thinking`, cache breakpoints,
 * `service_tier`) are left out.
 * @see https://docs.anthropic.com/en/api/messages
 * @see https://platform.openai.com/docs/api-reference/chat/create
 */

type Json = Record<string, unknown>;

export function messagesRequestToChat(json: JsonRecord, model: string, stream: boolean): Json {
  for (const field of ['mcp_servers', 'container'] as const) {
    if (json[field] !== undefined && json[field] !== null) throw invalidRequestBody(`${field} is not supported by an OpenAI backend`);
  }
  if (!Array.isArray(json.messages)) throw malformedRequest('"messages" must be an array');
  const messages: Json[] = [...systemMessages(json.system)];
  json.messages.forEach((message: unknown, index) => messages.push(...convertMessage(message, `messages[${index}]`)));
  const body: Json = { model, messages };
  // max_completion_tokens: OpenAI's reasoning models refuse the deprecated max_tokens.
  const maxTokens = optionalNumber(json.max_tokens);
  if (maxTokens !== undefined) body.max_completion_tokens = maxTokens;
  const temperature = optionalNumber(json.temperature);
  if (temperature !== undefined) body.temperature = temperature;
  const topP = optionalNumber(json.top_p);
  if (topP !== undefined) body.top_p = topP;
  if (Array.isArray(json.stop_sequences) && json.stop_sequences.length > 0) body.stop = json.stop_sequences;
  if (Array.isArray(json.tools) && json.tools.length > 0) {
    body.tools = json.tools.map((tool: unknown, index) => convertTool(tool, `tools[${index}]`));
    Object.assign(body, convertToolChoice(json.tool_choice));
  }
  if (isRecord(json.metadata)) {
    const user = optionalString(json.metadata.user_id);
    if (user !== undefined) body.user = user;
  }
  Object.assign(body, convertOutputConfig(json.output_config));
  if (stream) {
    body.stream = true;
    // Without it an OpenAI stream carries no usage, and the gateway could not count tokens.
    body.stream_options = { include_usage: true };
  }
  return body;
}

function systemMessages(system: unknown): Json[] {
  if (system === undefined || system === null) return [];
  if (typeof system === 'string') return system === '' ? [] : [{ role: 'system', content: system }];
  if (!Array.isArray(system)) throw malformedRequest('"system" must be a string or an array of text blocks');
  const parts = system.map((block: unknown, index) => {
    if (!isRecord(block) || block.type !== 'text' || typeof block.text !== 'string') throw malformedRequest(`system[${index}] must be a text block`);
    return block.text;
  });
  return parts.length === 0 ? [] : [{ role: 'system', content: parts.join('\n') }];
}

function convertMessage(value: unknown, where: string): Json[] {
  if (!isRecord(value)) throw malformedRequest(`${where} must be an object`);
  const role = value.role;
  if (role !== 'user' && role !== 'assistant') throw malformedRequest(`${where}.role must be "user" or "assistant"`);
  if (typeof value.content === 'string') return [{ role, content: value.content }];
  if (!Array.isArray(value.content)) throw malformedRequest(`${where}.content must be a string or an array of content blocks`);
  const blocks = value.content.map((block: unknown, index) => {
    if (!isRecord(block)) throw malformedRequest(`${where}.content[${index}] must be an object`);
    return block;
  });
  return role === 'user' ? userMessages(blocks, where) : [assistantMessage(blocks, where)];
}

/**
 * A user turn: its tool results become OpenAI `tool` messages (first, as they answer the
 * previous assistant turn), the rest one user message.
 */
function userMessages(blocks: JsonRecord[], where: string): Json[] {
  const toolMessages: Json[] = [];
  const parts: Json[] = [];
  blocks.forEach((block, index) => {
    const at = `${where}.content[${index}]`;
    if (block.type === 'tool_result') toolMessages.push(toolMessage(block, at));
    else parts.push(userPart(block, at));
  });
  return parts.length > 0 ? [...toolMessages, { role: 'user', content: parts }] : toolMessages;
}

function userPart(block: JsonRecord, where: string): Json {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: optionalString(block.text) ?? '' };
    case 'image':
      return { type: 'image_url', image_url: { url: sourceUrl(block.source, where) } };
    case 'document':
      return documentPart(block, where);
    default:
      throw invalidRequestBody(`${where}: content block type ${JSON.stringify(block.type)} is not supported by an OpenAI backend`);
  }
}

/** An image source as the URL OpenAI takes: the URL itself, or base64 data as a data URI. */
function sourceUrl(source: unknown, where: string): string {
  if (isRecord(source)) {
    if (source.type === 'base64' && typeof source.media_type === 'string' && typeof source.data === 'string') return `data:${source.media_type};base64,${source.data}`;
    if (source.type === 'url' && typeof source.url === 'string') return source.url;
  }
  throw invalidRequestBody(`${where}: only base64 and url sources can be sent to an OpenAI backend`);
}

function documentPart(block: JsonRecord, where: string): Json {
  const source = isRecord(block.source) ? block.source : {};
  if (source.type === 'text' && typeof source.data === 'string') return { type: 'text', text: source.data };
  if (source.type === 'base64' && source.media_type === 'application/pdf' && typeof source.data === 'string') {
    return { type: 'file', file: { filename: optionalString(block.title) ?? 'document.pdf', file_data: `data:application/pdf;base64,${source.data}` } };
  }
  throw invalidRequestBody(`${where}: only base64 PDF and plain-text documents can be sent to an OpenAI backend`);
}

function toolMessage(block: JsonRecord, where: string): Json {
  const id = optionalString(block.tool_use_id);
  if (id === undefined) throw malformedRequest(`${where}.tool_use_id is required`);
  const content = block.content;
  if (content === undefined || content === null || typeof content === 'string') return { role: 'tool', tool_call_id: id, content: content ?? '' };
  if (!Array.isArray(content)) throw malformedRequest(`${where}.content must be a string or an array of blocks`);
  const parts = content.map((part: unknown, index) => {
    if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') return { type: 'text', text: part.text };
    throw invalidRequestBody(`${where}.content[${index}]: OpenAI tool messages take text only`);
  });
  return { role: 'tool', tool_call_id: id, content: parts };
}

/** An assistant turn: text joined, tool_use as tool calls; earlier thinking is Anthropic's own and is left out. */
function assistantMessage(blocks: JsonRecord[], where: string): Json {
  const text: string[] = [];
  const toolCalls: Json[] = [];
  blocks.forEach((block, index) => {
    switch (block.type) {
      case 'text':
        text.push(optionalString(block.text) ?? '');
        break;
      case 'tool_use':
        toolCalls.push({ id: optionalString(block.id) ?? '', type: 'function', function: { name: optionalString(block.name) ?? '', arguments: JSON.stringify(block.input ?? {}) } });
        break;
      case 'thinking':
      case 'redacted_thinking':
        break;
      default:
        throw invalidRequestBody(`${where}.content[${index}]: content block type ${JSON.stringify(block.type)} is not supported by an OpenAI backend`);
    }
  });
  const message: Json = { role: 'assistant', content: text.length > 0 ? text.join('') : null };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return message;
}

function convertTool(value: unknown, where: string): Json {
  if (!isRecord(value) || typeof value.name !== 'string') throw malformedRequest(`${where} must be a tool with a name`);
  // Typed tools (bash, web_search, text_editor, …) run on Anthropic's side; OpenAI has none.
  if (value.type !== undefined && value.type !== null && value.type !== 'custom') {
    throw invalidRequestBody(`${where}: tool type ${JSON.stringify(value.type)} is not supported by an OpenAI backend`);
  }
  const fn: Json = { name: value.name };
  const description = optionalString(value.description);
  if (description !== undefined) fn.description = description;
  if (isRecord(value.input_schema)) fn.parameters = value.input_schema;
  if (value.strict === true) fn.strict = true;
  return { type: 'function', function: fn };
}

function convertToolChoice(value: unknown): Json {
  if (!isRecord(value)) return {};
  const parallel = value.disable_parallel_tool_use === true ? { parallel_tool_calls: false } : {};
  switch (value.type) {
    case 'auto':
      return { tool_choice: 'auto', ...parallel };
    case 'any':
      return { tool_choice: 'required', ...parallel };
    case 'none':
      return { tool_choice: 'none' };
    case 'tool':
      if (typeof value.name !== 'string') throw malformedRequest('tool_choice of type "tool" needs a name');
      return { tool_choice: { type: 'function', function: { name: value.name } }, ...parallel };
    default:
      throw invalidRequestBody(`tool_choice type ${JSON.stringify(value.type)} is not supported by an OpenAI backend`);
  }
}

/** Structured output and effort: OpenAI's `response_format` json_schema and `reasoning_effort`. */
function convertOutputConfig(value: unknown): Json {
  if (!isRecord(value)) return {};
  const out: Json = {};
  if (isRecord(value.format)) {
    if (value.format.type !== 'json_schema' || !isRecord(value.format.schema)) throw invalidRequestBody('output_config.format must be a json_schema with a schema');
    // Anthropic's structured output always follows the schema: OpenAI's strict mode does the same.
    out.response_format = { type: 'json_schema', json_schema: { name: 'response', schema: value.format.schema, strict: true } };
  }
  const effort = optionalString(value.effort);
  if (effort !== undefined) out.reasoning_effort = effort;
  return out;
}
