import { isRecord, optionalNumber, optionalString } from '../../common/json-guards.js';
import { gcpVertexAIErrorBody } from './gcp-vertexai-error-body.js';
import { openAIChatToGeminiRequest } from './openai-chat-to-gemini-request.js';
import { pathEscape } from './path-escape.js';
import { tokenizeTranslator } from './tokenize-translator.js';
import type { Translator, TranslatorContext } from './translator.js';

/**
 * `/tokenize` to Gemini's countTokens on Vertex AI: the chat as the contents, system instruction
 * and tools generateContent would get, and the tokenize request's `media_resolution` (an
 * upstream aigw extension: image tokens depend on it) as `generationConfig.mediaResolution`.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/count-tokens
 */
export function tokenizeToGCPVertexAI(context: TranslatorContext): Translator {
  const model = context.requestModel;
  return tokenizeTranslator(context, {
    provider: 'GCP Vertex AI',
    request(chat, client) {
      const generate = openAIChatToGeminiRequest(chat, model);
      const mediaResolution = optionalString(client.media_resolution);
      const body = {
        contents: generate.contents ?? [],
        ...(generate.systemInstruction ? { systemInstruction: generate.systemInstruction } : {}),
        ...(generate.tools ? { tools: generate.tools } : {}),
        ...(mediaResolution !== undefined ? { generationConfig: { mediaResolution } } : {}),
      };
      return { path: `publishers/google/models/${pathEscape(model)}:countTokens`, body: Buffer.from(JSON.stringify(body)) };
    },
    // Google's JSON leaves out zero values: an object without totalTokens counted none.
    count: (answer) => (isRecord(answer) ? (optionalNumber(answer.totalTokens) ?? 0) : undefined),
    error: (status, body) => ({ body: gcpVertexAIErrorBody(status, body), contentType: 'application/json' }),
  });
}
