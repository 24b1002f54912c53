import { isRecord, optionalNumber } from '../../common/json-guards.js';
import { fitsGeminiSchema } from './fits-gemini-schema.js';
import type { GeminiGenerationConfig } from './gemini-api-types.js';
import type { ChatRequest } from './openai-chat-request.js';
import { openAIReasoningToGeminiThinking } from './openai-reasoning-to-gemini-thinking.js';

/**
 * OpenAI sampling and output settings as Gemini's `generationConfig`. Only what the client set
 * is written, so Gemini's defaults apply otherwise. A `generationConfig` object in the request
 * (the GCP vendor extension) is merged last: it lets clients reach Gemini settings OpenAI has no
 * name for (`topK`, `mediaResolution`, a full `thinkingConfig`).
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/GenerationConfig
 */
export function openAIChatToGeminiGenerationConfig(chat: ChatRequest, model: string): GeminiGenerationConfig {
  const config: GeminiGenerationConfig = {};
  const json = chat.json;
  if (chat.temperature !== undefined) config.temperature = chat.temperature;
  if (chat.topP !== undefined) config.topP = chat.topP;
  const n = optionalNumber(json.n);
  if (n !== undefined) config.candidateCount = n;
  if (chat.maxTokens !== undefined) config.maxOutputTokens = chat.maxTokens;
  if (chat.stop && chat.stop.length > 0) config.stopSequences = chat.stop;
  const presencePenalty = optionalNumber(json.presence_penalty);
  if (presencePenalty !== undefined) config.presencePenalty = presencePenalty;
  const frequencyPenalty = optionalNumber(json.frequency_penalty);
  if (frequencyPenalty !== undefined) config.frequencyPenalty = frequencyPenalty;
  const seed = optionalNumber(json.seed);
  if (seed !== undefined) config.seed = seed;

  const format = chat.responseFormat;
  if (format?.type === 'json_object' || format?.type === 'json_schema') config.responseMimeType = 'application/json';
  if (format?.type === 'json_schema' && format.schema) {
    if (fitsGeminiSchema(format.schema)) config.responseSchema = format.schema;
    else config.responseJsonSchema = format.schema;
  }

  const thinking = openAIReasoningToGeminiThinking(chat, model);
  if (thinking) config.thinkingConfig = thinking;
  return isRecord(json.generationConfig) ? { ...config, ...json.generationConfig } : config;
}
