import { invalidRequestBody } from '../errors/gateway-error.js';
import { optionalNumber, optionalString } from '../../common/json-guards.js';
import type { ChatRequest } from './openai-chat-request.js';
import { chatMessagesToConverse } from './chat-messages-to-converse.js';
import type { ConverseInferenceConfig, ConverseMessage, ConverseOutputFormat, ConverseRequest, ConverseToolConfig } from './converse-types.js';

/**
 * An OpenAI chat completion request as a Bedrock Converse request (the model goes in the path).
 * Not translated, as upstream: `seed`, `logprobs`, penalties, `parallel_tool_calls`, `user`,
 * and `response_format: json_object` (OpenAI requires the prompt itself to ask for JSON, so the
 * instruction survives). Refused (422) where dropping would change what the client gets: `n > 1`
 * and a `json_schema` response format without a schema.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html#API_runtime_Converse_RequestSyntax
 */
export function chatRequestToConverse(chat: ChatRequest): ConverseRequest {
  const choices = optionalNumber(chat.json.n);
  if (choices !== undefined && choices > 1) throw invalidRequestBody(`n ${choices}: AWS Bedrock Converse returns one choice per request`);
  const { system, messages } = chatMessagesToConverse(chat.messages);
  const request: ConverseRequest = { inferenceConfig: inferenceConfig(chat), messages };
  if (system.length > 0) request.system = system;
  const toolConfig = converseToolConfig(chat, messages);
  if (toolConfig) request.toolConfig = toolConfig;
  const additional: Record<string, unknown> = {};
  // `thinking` is already in Anthropic's shape, which Claude on Bedrock takes as it is.
  if (chat.thinking) additional.thinking = chat.thinking;
  // Upstream's name for the effort of models that take one (Nova, GLM, gpt-oss, …).
  if (chat.reasoningEffort !== undefined) additional.reasoning_config = chat.reasoningEffort;
  if (Object.keys(additional).length > 0) request.additionalModelRequestFields = additional;
  const textFormat = outputFormat(chat);
  if (textFormat) request.outputConfig = { textFormat };
  const serviceTier = optionalString(chat.json.service_tier);
  // OpenAI's `auto` has no Bedrock name; leaving the tier out is Bedrock's own default.
  if (serviceTier !== undefined && serviceTier !== 'auto') request.serviceTier = { type: serviceTier };
  return request;
}

function inferenceConfig(chat: ChatRequest): ConverseInferenceConfig {
  const config: ConverseInferenceConfig = {};
  if (chat.maxTokens !== undefined) config.maxTokens = chat.maxTokens;
  if (chat.temperature !== undefined) config.temperature = chat.temperature;
  if (chat.topP !== undefined) config.topP = chat.topP;
  if (chat.stop !== undefined && chat.stop.length > 0) config.stopSequences = chat.stop;
  return config;
}

/**
 * `tools` and `tool_choice` as a Converse tool configuration. Converse has no "none": with
 * `tool_choice: "none"` the tools are left out, unless the conversation already holds tool
 * calls or results, which Converse refuses without a tool configuration (the model may then
 * still call a tool).
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ToolConfiguration.html
 */
function converseToolConfig(chat: ChatRequest, messages: readonly ConverseMessage[]): ConverseToolConfig | undefined {
  if (!chat.tools || chat.tools.length === 0) return undefined;
  const choice = chat.toolChoice;
  if (choice?.type === 'none' && !messages.some((message) => message.content.some((block) => 'toolUse' in block || 'toolResult' in block))) {
    return undefined;
  }
  const config: ConverseToolConfig = {
    tools: chat.tools.map((tool) => ({
      toolSpec: {
        name: tool.name,
        ...(tool.description !== undefined && tool.description !== '' ? { description: tool.description } : {}),
        // Converse requires a schema; OpenAI's "no parameters" is an object without properties.
        inputSchema: { json: tool.parameters ?? { type: 'object', properties: {} } },
        ...(tool.strict !== undefined ? { strict: tool.strict } : {}),
      },
    })),
  };
  if (choice?.type === 'auto') config.toolChoice = { auto: {} };
  else if (choice?.type === 'required') config.toolChoice = { any: {} };
  else if (choice?.type === 'function') config.toolChoice = { tool: { name: choice.name } };
  return config;
}

/**
 * `response_format: json_schema` as Bedrock structured output.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_OutputConfig.html
 */
function outputFormat(chat: ChatRequest): ConverseOutputFormat | undefined {
  const format = chat.responseFormat;
  if (format?.type !== 'json_schema') return undefined;
  if (!format.schema) throw invalidRequestBody('response_format.json_schema.schema is required for AWS Bedrock structured output');
  return {
    type: 'json_schema',
    structure: {
      jsonSchema: {
        // Bedrock takes the schema as JSON text.
        schema: JSON.stringify(format.schema),
        name: format.name,
        ...(format.description !== undefined ? { description: format.description } : {}),
      },
    },
  };
}
