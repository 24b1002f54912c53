import type { GeminiGenerateContentRequest } from './gemini-api-types.js';
import type { ChatRequest } from './openai-chat-request.js';
import { openAIChatToGeminiGenerationConfig } from './openai-chat-to-gemini-generation-config.js';
import { openAIMessagesToGemini } from './openai-messages-to-gemini.js';
import { openAIToolChoiceToGemini, openAIToolsToGemini } from './openai-tools-to-gemini.js';

/**
 * An OpenAI chat request as a Gemini `generateContent` body (the same body streams). `model` is
 * the model sent to Vertex, which decides between thinking budgets and levels. `safetySettings`
 * in the request (GCP vendor extension) is passed on as given.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference
 */
export function openAIChatToGeminiRequest(chat: ChatRequest, model: string): GeminiGenerateContentRequest {
  const { contents, systemParts } = openAIMessagesToGemini(chat);
  const toolConfig = openAIToolChoiceToGemini(chat.toolChoice);
  const request: GeminiGenerateContentRequest = {
    contents: contents.length > 0 ? contents : null,
    tools: openAIToolsToGemini(chat.tools),
    ...(toolConfig ? { toolConfig } : {}),
    generationConfig: openAIChatToGeminiGenerationConfig(chat, model),
  };
  if (Array.isArray(chat.json.safetySettings)) request.safetySettings = chat.json.safetySettings;
  if (systemParts.length > 0) request.systemInstruction = { parts: systemParts };
  return request;
}
