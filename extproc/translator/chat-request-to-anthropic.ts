import { invalidRequestBody } from '../errors/gateway-error.js';
import { isRecord, optionalNumber, type JsonRecord } from '../../common/json-guards.js';
import { parseDataUri, type ChatMessage, type ChatRequest, type ChatTool, type ImagePart, type TextPart, type ToolChoice } from './openai-chat-request.js';

/**
 * The OpenAI chat request as an Anthropic Messages body, shared by the Anthropic, Bedrock
 * InvokeModel and Vertex rawPredict translators (each adds what its provider needs: `model`,
 * `stream`, `anthropic_version`). Requests Anthropic cannot express are 422s rather than being
 * quietly changed.
 * @see https://docs.anthropic.com/en/api/messages
 */

/**
 * Anthropic requires `max_tokens`; OpenAI does not. 4096 is the largest output every Claude
 * model accepts (Claude 3 Haiku's limit), so a request without one works on any of them.
 */
export const DEFAULT_MAX_TOKENS = 4096;

type Block = Record<string, unknown>;
interface AnthropicMessage {
  role: 'user' | 'assistant';
  content: Block[];
}

/** Image media types Anthropic accepts as base64 sources. */
const IMAGE_MEDIA_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
/** `output_config.effort` levels. */
const EFFORTS = new Set(['low', 'medium', 'high', 'xhigh', 'max']);

export function chatRequestToAnthropic(chat: ChatRequest): Record<string, unknown> {
  rejectUnsupported(chat.json);
  const body: Record<string, unknown> = { max_tokens: chat.maxTokens ?? defaultMaxTokens(chat.thinking) };
  const { system, messages } = convertMessages(chat.messages);
  body.messages = messages;
  if (system.length > 0) body.system = system;
  if (chat.temperature !== undefined) {
    // Anthropic's range is 0–1; OpenAI's 0–2 has no faithful rescaling.
    if (chat.temperature < 0 || chat.temperature > 1) throw invalidRequestBody(`temperature ${chat.temperature} is not supported by Anthropic (must be between 0 and 1)`);
    body.temperature = chat.temperature;
  }
  if (chat.topP !== undefined) body.top_p = chat.topP;
  if (chat.stop && chat.stop.length > 0) body.stop_sequences = chat.stop;
  if (chat.tools && chat.tools.length > 0) {
    body.tools = chat.tools.map(convertTool);
    const toolChoice = convertToolChoice(chat.toolChoice, chat.parallelToolCalls);
    if (toolChoice) body.tool_choice = toolChoice;
  }
  if (chat.thinking) body.thinking = chat.thinking;
  const outputConfig = convertOutputConfig(chat);
  if (outputConfig) body.output_config = outputConfig;
  return body;
}

function defaultMaxTokens(thinking: JsonRecord | undefined): number {
  // With extended thinking, budget_tokens must stay below max_tokens: leave room for the answer.
  const budget = thinking ? optionalNumber(thinking.budget_tokens) : undefined;
  return budget !== undefined && budget >= DEFAULT_MAX_TOKENS ? budget + DEFAULT_MAX_TOKENS : DEFAULT_MAX_TOKENS;
}

/** OpenAI options whose answer a client relies on and Anthropic cannot give. */
function rejectUnsupported(json: JsonRecord): void {
  const n = optionalNumber(json.n);
  if (n !== undefined && n !== 1) throw invalidRequestBody(`n=${n} is not supported by Anthropic (one choice per request)`);
  if (json.logprobs === true) throw invalidRequestBody('logprobs is not supported by Anthropic');
}

function convertMessages(chatMessages: readonly ChatMessage[]): { system: Block[]; messages: AnthropicMessage[] } {
  const system: Block[] = [];
  const messages: AnthropicMessage[] = [];
  // Consecutive turns of one role become one message: tool results followed by the user's
  // next words are one user turn for Anthropic (tool_result blocks first, as it requires).
  const append = (role: AnthropicMessage['role'], content: Block[]): void => {
    const last = messages[messages.length - 1];
    if (last?.role === role) last.content.push(...content);
    else messages.push({ role, content });
  };
  chatMessages.forEach((message, index) => {
    switch (message.role) {
      case 'system':
      case 'developer':
        // Anthropic has one system prompt, so system messages anywhere join it, in order.
        system.push(...message.content.filter((part) => part.text !== '').map(textBlock));
        break;
      case 'user':
        append('user', message.content.filter((part) => part.type !== 'text' || part.text !== '').map((part) => (part.type === 'text' ? textBlock(part) : imageBlock(part, `messages[${index}]`))));
        break;
      case 'assistant': {
        const content = assistantBlocks(message, index);
        // An empty assistant turn (no text, no tool calls) is refused by Anthropic and says nothing.
        if (content.length > 0) append('assistant', content);
        break;
      }
      case 'tool':
        append('user', [toolResultBlock(message.toolCallId, message.content)]);
        break;
    }
  });
  return { system, messages };
}

function withCacheControl(block: Block, part: { cacheControl?: JsonRecord }): Block {
  if (part.cacheControl) block.cache_control = part.cacheControl;
  return block;
}

function textBlock(part: TextPart): Block {
  return withCacheControl({ type: 'text', text: part.text }, part);
}

function imageBlock(part: ImagePart, where: string): Block {
  const data = parseDataUri(part.url);
  if (data) {
    // A PDF sent as a data URI (as some OpenAI clients do) is an Anthropic document.
    if (data.mediaType === 'application/pdf') {
      return withCacheControl({ type: 'document', source: { type: 'base64', media_type: data.mediaType, data: data.base64 } }, part);
    }
    if (!IMAGE_MEDIA_TYPES.has(data.mediaType)) throw invalidRequestBody(`${where}: image media type ${data.mediaType} is not supported by Anthropic (jpeg, png, gif, webp)`);
    return withCacheControl({ type: 'image', source: { type: 'base64', media_type: data.mediaType, data: data.base64 } }, part);
  }
  if (!/^https?:\/\//i.test(part.url)) throw invalidRequestBody(`${where}: image_url must be an http(s) URL or a base64 data URI`);
  const kind = /\.pdf(?:[?#]|$)/i.test(part.url) ? 'document' : 'image';
  return withCacheControl({ type: kind, source: { type: 'url', url: part.url } }, part);
}

function assistantBlocks(message: Extract<ChatMessage, { role: 'assistant' }>, index: number): Block[] {
  const blocks: Block[] = [];
  for (const part of message.content) {
    if (part.type === 'thinking') blocks.push({ type: 'thinking', thinking: part.thinking, ...(part.signature !== undefined ? { signature: part.signature } : {}) });
    else if (part.type === 'redacted_thinking') blocks.push({ type: 'redacted_thinking', data: part.data });
    else if (part.text !== '') blocks.push(textBlock(part));
  }
  message.toolCalls.forEach((call, callIndex) => {
    blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: toolInput(call.arguments, `messages[${index}].tool_calls[${callIndex}]`) });
  });
  return blocks;
}

/** Tool-call arguments as Anthropic's `input` object (OpenAI sends JSON text; empty means none). */
function toolInput(argumentsText: string, where: string): JsonRecord {
  if (argumentsText.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(argumentsText);
  } catch {
    throw invalidRequestBody(`${where}.function.arguments is not JSON; Anthropic needs the arguments as a JSON object`);
  }
  if (!isRecord(parsed)) throw invalidRequestBody(`${where}.function.arguments must be a JSON object for Anthropic`);
  return parsed;
}

function toolResultBlock(toolUseId: string, content: readonly TextPart[]): Block {
  const [only] = content;
  // A single plain text part stays a string, the form Anthropic documents for simple results.
  const value = content.length === 1 && only && !only.cacheControl ? only.text : content.filter((part) => part.text !== '').map(textBlock);
  return { type: 'tool_result', tool_use_id: toolUseId, content: value };
}

function convertTool(tool: ChatTool): Block {
  const block: Block = { name: tool.name, input_schema: tool.parameters ?? { type: 'object', properties: {} } };
  if (tool.description !== undefined) block.description = tool.description;
  if (tool.strict === true) block.strict = true;
  return block;
}

/**
 * `tool_choice`, with `parallel_tool_calls: false` as Anthropic's `disable_parallel_tool_use`
 * (which only the auto, any and tool choices carry).
 */
function convertToolChoice(choice: ToolChoice | undefined, parallelToolCalls: boolean | undefined): Block | undefined {
  const disable = parallelToolCalls === false ? { disable_parallel_tool_use: true } : {};
  switch (choice?.type) {
    case undefined:
      return parallelToolCalls === false ? { type: 'auto', ...disable } : undefined;
    case 'auto':
      return { type: 'auto', ...disable };
    case 'required':
      return { type: 'any', ...disable };
    case 'none':
      return { type: 'none' };
    case 'function':
      return { type: 'tool', name: choice.name, ...disable };
  }
}

/**
 * `response_format` and `reasoning_effort` as Anthropic's `output_config`: a JSON schema becomes
 * structured output (`format`), the effort its `effort`. `json_object` (any JSON, no schema) has
 * no Anthropic equivalent, so it is refused instead of answered in free text.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/structured-outputs
 * @see https://docs.anthropic.com/en/docs/build-with-claude/effort
 */
function convertOutputConfig(chat: ChatRequest): Block | undefined {
  const config: Block = {};
  const format = chat.responseFormat;
  if (format?.type === 'json_object') {
    throw invalidRequestBody('response_format json_object is not supported by Anthropic; use json_schema with a schema');
  }
  if (format?.type === 'json_schema') {
    if (!format.schema) throw invalidRequestBody('response_format json_schema needs json_schema.schema for Anthropic');
    config.format = { type: 'json_schema', schema: format.schema };
  }
  const effort = chat.reasoningEffort;
  if (effort !== undefined && effort !== 'none') {
    // "minimal" asks for the least reasoning: Anthropic's least is "low".
    const level = effort === 'minimal' ? 'low' : effort;
    if (!EFFORTS.has(level)) throw invalidRequestBody(`reasoning_effort ${JSON.stringify(effort)} is not supported by Anthropic (low, medium, high, xhigh, max)`);
    config.effort = level;
  }
  return Object.keys(config).length > 0 ? config : undefined;
}
