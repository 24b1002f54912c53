import { invalidRequestBody, malformedRequest } from '../errors/gateway-error.js';
import { isRecord, optionalNumber, optionalString, type JsonRecord } from '../../common/json-guards.js';
import { bedrockBetaFlags } from './anthropic-backend-request.js';
import { converseImageFormat } from './converse-image-format.js';
import type {
  ConverseCachePoint,
  ConverseContentBlock,
  ConverseInferenceConfig,
  ConverseMessage,
  ConverseRequest,
  ConverseRole,
  ConverseSystemBlock,
  ConverseToolConfig,
  ConverseToolResultContent,
} from './converse-types.js';
import type { ClientRequest } from './translator.js';

const CACHE_POINT: ConverseCachePoint = { cachePoint: { type: 'default' } };

/**
 * An Anthropic Messages request as a Bedrock Converse request (the model goes in the path).
 * Claude-only fields Converse has no slot for (`thinking`, `top_k`, the effort, the accepted
 * beta flags) go through `additionalModelRequestFields`, which Bedrock hands to Claude as they
 * are. `cache_control` marks become cache points after their block. Refused (422): what Converse
 * cannot carry and the answer depends on (server tools, MCP servers, image URLs, PDF documents).
 * Not translated: `disable_parallel_tool_use` (Converse has no such switch), `metadata`,
 * `service_tier`.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages.html
 */
export function messagesRequestToConverse(client: ClientRequest): ConverseRequest {
  const json = client.json;
  for (const field of ['mcp_servers', 'container'] as const) {
    if (json[field] !== undefined && json[field] !== null) throw invalidRequestBody(`${field} is not supported by AWS Bedrock Converse`);
  }
  if (!Array.isArray(json.messages)) throw malformedRequest('"messages" must be an array');
  const messages = convertMessages(json.messages);
  const request: ConverseRequest = { inferenceConfig: inferenceConfig(json), messages };
  const system = systemBlocks(json.system);
  if (system.length > 0) request.system = system;
  const toolConfig = convertTools(json, messages);
  if (toolConfig) request.toolConfig = toolConfig;
  const additional = additionalFields(client);
  if (Object.keys(additional).length > 0) request.additionalModelRequestFields = additional;
  const format = isRecord(json.output_config) ? json.output_config.format : undefined;
  if (isRecord(format)) {
    if (format.type !== 'json_schema' || !isRecord(format.schema)) throw invalidRequestBody('output_config.format must be a json_schema with a schema');
    // Bedrock takes the schema as JSON text.
    request.outputConfig = { textFormat: { type: 'json_schema', structure: { jsonSchema: { schema: JSON.stringify(format.schema), name: 'response' } } } };
  }
  return request;
}

function inferenceConfig(json: JsonRecord): ConverseInferenceConfig {
  const config: ConverseInferenceConfig = {};
  const maxTokens = optionalNumber(json.max_tokens);
  if (maxTokens !== undefined) config.maxTokens = maxTokens;
  const temperature = optionalNumber(json.temperature);
  if (temperature !== undefined) config.temperature = temperature;
  const topP = optionalNumber(json.top_p);
  if (topP !== undefined) config.topP = topP;
  if (Array.isArray(json.stop_sequences)) {
    const stops = json.stop_sequences.filter((stop): stop is string => typeof stop === 'string');
    if (stops.length > 0) config.stopSequences = stops;
  }
  return config;
}

function additionalFields(client: ClientRequest): Record<string, unknown> {
  const json = client.json;
  const fields: Record<string, unknown> = {};
  if (isRecord(json.thinking)) fields.thinking = json.thinking;
  const topK = optionalNumber(json.top_k);
  if (topK !== undefined) fields.top_k = topK;
  const effort = isRecord(json.output_config) ? optionalString(json.output_config.effort) : undefined;
  if (effort !== undefined) fields.output_config = { effort };
  const flags = bedrockBetaFlags(client);
  if (flags.length > 0) fields.anthropic_beta = flags;
  return fields;
}

function cachePointAfter(block: JsonRecord): ConverseCachePoint[] {
  return isRecord(block.cache_control) ? [CACHE_POINT] : [];
}

function systemBlocks(system: unknown): ConverseSystemBlock[] {
  if (system === undefined || system === null) return [];
  if (typeof system === 'string') return system === '' ? [] : [{ text: system }];
  if (!Array.isArray(system)) throw malformedRequest('"system" must be a string or an array of text blocks');
  return system.flatMap((block: unknown, index): ConverseSystemBlock[] => {
    if (!isRecord(block) || block.type !== 'text' || typeof block.text !== 'string') throw malformedRequest(`system[${index}] must be a text block`);
    return [{ text: block.text }, ...cachePointAfter(block)];
  });
}

function convertMessages(values: readonly unknown[]): ConverseMessage[] {
  const turns: ConverseMessage[] = [];
  values.forEach((value, index) => {
    const where = `messages[${index}]`;
    if (!isRecord(value)) throw malformedRequest(`${where} must be an object`);
    const role = value.role;
    if (role !== 'user' && role !== 'assistant') throw malformedRequest(`${where}.role must be "user" or "assistant"`);
    const blocks = contentBlocks(value.content, role, where);
    // Converse requires alternating turns and refuses empty ones; Anthropic merges consecutive turns itself.
    if (blocks.length === 0) return;
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  });
  return turns;
}

function contentBlocks(content: unknown, role: ConverseRole, where: string): ConverseContentBlock[] {
  if (typeof content === 'string') return content === '' ? [] : [{ text: content }];
  if (!Array.isArray(content)) throw malformedRequest(`${where}.content must be a string or an array of content blocks`);
  return content.flatMap((block: unknown, index) => {
    const at = `${where}.content[${index}]`;
    if (!isRecord(block)) throw malformedRequest(`${at} must be an object`);
    return [...contentBlock(block, role, at), ...cachePointAfter(block)];
  });
}

function contentBlock(block: JsonRecord, role: ConverseRole, where: string): ConverseContentBlock[] {
  switch (block.type) {
    case 'text':
      return typeof block.text === 'string' && block.text !== '' ? [{ text: block.text }] : [];
    case 'image':
      return [{ image: imageBlock(block.source, where) }];
    case 'document': {
      const source = isRecord(block.source) ? block.source : {};
      if (source.type === 'text' && typeof source.data === 'string') return [{ text: source.data }];
      throw invalidRequestBody(`${where}: only plain-text documents can be sent to AWS Bedrock Converse by the gateway`);
    }
    case 'tool_result':
      if (role !== 'user') break;
      return [{ toolResult: toolResult(block, where) }];
    case 'tool_use':
      if (role !== 'assistant') break;
      if (typeof block.id !== 'string' || typeof block.name !== 'string') throw malformedRequest(`${where}: tool_use needs an id and a name`);
      return [{ toolUse: { toolUseId: block.id, name: block.name, input: block.input ?? {} } }];
    case 'thinking':
      if (typeof block.thinking !== 'string') throw malformedRequest(`${where}: thinking needs its text`);
      return [{ reasoningContent: { reasoningText: { text: block.thinking, ...(typeof block.signature === 'string' ? { signature: block.signature } : {}) } } }];
    case 'redacted_thinking':
      if (typeof block.data !== 'string') throw malformedRequest(`${where}: redacted_thinking needs its data`);
      return [{ reasoningContent: { redactedContent: block.data } }];
  }
  throw invalidRequestBody(`${where}: content block type ${JSON.stringify(block.type)} is not supported by AWS Bedrock Converse`);
}

/** Converse takes image bytes (base64 in its JSON), not URLs. */
function imageBlock(source: unknown, where: string): { format: NonNullable<ReturnType<typeof converseImageFormat>>; source: { bytes: string } } {
  if (!isRecord(source) || source.type !== 'base64' || typeof source.data !== 'string' || typeof source.media_type !== 'string') {
    throw invalidRequestBody(`${where}: AWS Bedrock Converse takes images only as base64 sources`);
  }
  const format = converseImageFormat(source.media_type);
  if (!format) throw invalidRequestBody(`${where}: image type ${JSON.stringify(source.media_type)} is not one of png, jpeg, gif, webp`);
  return { format, source: { bytes: source.data } };
}

function toolResult(block: JsonRecord, where: string) {
  const toolUseId = optionalString(block.tool_use_id);
  if (toolUseId === undefined) throw malformedRequest(`${where}.tool_use_id is required`);
  const content: ConverseToolResultContent[] = [];
  if (typeof block.content === 'string') content.push({ text: block.content });
  else if (Array.isArray(block.content)) {
    block.content.forEach((part: unknown, index) => {
      if (isRecord(part) && part.type === 'text' && typeof part.text === 'string') content.push({ text: part.text });
      else if (isRecord(part) && part.type === 'image') content.push({ image: imageBlock(part.source, `${where}.content[${index}]`) });
      else throw invalidRequestBody(`${where}.content[${index}]: tool results for AWS Bedrock Converse take text and images`);
    });
  }
  return { toolUseId, content, ...(block.is_error === true ? { status: 'error' as const } : {}) };
}

/**
 * Custom tools as tool specs (a cache mark on a tool becomes a cache point after it); Anthropic's
 * server tools (web search, bash, …) have no Converse form. `tool_choice: none` leaves the tools
 * out, unless the conversation already holds tool blocks, which Converse refuses without tools.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ToolConfiguration.html
 */
function convertTools(json: JsonRecord, messages: readonly ConverseMessage[]): ConverseToolConfig | undefined {
  if (!Array.isArray(json.tools) || json.tools.length === 0) return undefined;
  const choice = isRecord(json.tool_choice) ? json.tool_choice : undefined;
  if (choice?.type === 'none' && !messages.some((message) => message.content.some((block) => 'toolUse' in block || 'toolResult' in block))) return undefined;
  const tools = json.tools.flatMap((tool: unknown, index) => {
    const where = `tools[${index}]`;
    if (!isRecord(tool) || typeof tool.name !== 'string') throw malformedRequest(`${where} must be a tool with a name`);
    if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') throw invalidRequestBody(`${where}: tool type ${JSON.stringify(tool.type)} is not supported by AWS Bedrock Converse`);
    const description = optionalString(tool.description);
    const spec = {
      name: tool.name,
      ...(description !== undefined && description !== '' ? { description } : {}),
      inputSchema: { json: isRecord(tool.input_schema) ? tool.input_schema : { type: 'object', properties: {} } },
      ...(tool.strict === true ? { strict: true } : {}),
    };
    return [{ toolSpec: spec }, ...cachePointAfter(tool)];
  });
  const config: ConverseToolConfig = { tools };
  if (choice?.type === 'auto') config.toolChoice = { auto: {} };
  else if (choice?.type === 'any') config.toolChoice = { any: {} };
  else if (choice?.type === 'tool' && typeof choice.name === 'string') config.toolChoice = { tool: { name: choice.name } };
  return config;
}
