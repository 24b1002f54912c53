import { convertGeminiUsage } from '../usage/convert-gemini-usage.js';
import type { TokenUsage } from '../usage/token-usage.js';
import { gcpVertexAIErrorBody } from './gcp-vertexai-error-body.js';
import { GeminiStreamToOpenAIChunks } from './gemini-stream-to-openai-chunks.js';
import { geminiToChatCompletion } from './gemini-to-chat-completion.js';
import { readChatRequest } from './openai-chat-request.js';
import { openAIChatToGeminiRequest } from './openai-chat-to-gemini-request.js';
import { pathEscape } from './path-escape.js';
import { readGeminiResponse } from './read-gemini-response.js';
import type { ResponseBodyTranslation, Translator, TranslatorContext } from './translator.js';

/**
 * OpenAI chat completions to Gemini on Vertex AI (`generateContent`, or `streamGenerateContent`
 * as SSE). The path is relative: the GCP authenticator puts `/v1/projects/{p}/locations/{r}/` in
 * front. Responses are rebuilt as OpenAI completions or chunks whose `model` is the one that
 * answered, Gemini's `modelVersion` (as OpenAI reports the dated snapshot, not the alias asked
 * for), or the model the gateway asked Vertex for when Gemini does not say; the same name is the
 * response model of metrics and access logs.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/model-reference/inference
 */
export function openAIToGCPVertexAI(context: TranslatorContext): Translator {
  const model = context.requestModel;
  let stream = false;
  let includeUsage = false;
  let converter: GeminiStreamToOpenAIChunks | undefined;
  const buffered: Buffer[] = [];

  const wholeResponse = (body: Buffer): ResponseBodyTranslation => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (error) {
      throw new Error('Gemini response is not JSON', { cause: error });
    }
    const response = readGeminiResponse(parsed);
    const usage: TokenUsage = convertGeminiUsage(response.usageMetadata) ?? {};
    const responseModel = response.modelVersion ?? model;
    return { body: Buffer.from(JSON.stringify(geminiToChatCompletion(response, responseModel))), usage, responseModel };
  };

  return {
    needsBody: true,
    request(client) {
      if (!client) throw new Error('the GCP Vertex AI translator needs the request body');
      const chat = readChatRequest(client.json);
      stream = client.stream;
      includeUsage = chat.includeUsage;
      const method = stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
      return {
        path: `publishers/google/models/${pathEscape(model)}:${method}`,
        body: Buffer.from(JSON.stringify(openAIChatToGeminiRequest(chat, model))),
      };
    },
    responseHeaders(status) {
      if (!stream || status < 200 || status >= 300) return { streaming: false };
      converter = new GeminiStreamToOpenAIChunks(model, includeUsage);
      return { streaming: true, set: [['content-type', 'text/event-stream']] };
    },
    responseBody(chunk, endOfStream) {
      if (converter) {
        const out = converter.push(chunk) + (endOfStream ? converter.end() : '');
        return { body: Buffer.from(out), usage: converter.usage, responseModel: converter.responseModel ?? model };
      }
      // A whole JSON body is expected in one call; pieces are held until the end regardless.
      buffered.push(chunk);
      if (!endOfStream) return { body: Buffer.alloc(0), usage: {} };
      return wholeResponse(Buffer.concat(buffered));
    },
    responseError(status, body) {
      return { body: gcpVertexAIErrorBody(status, body), contentType: 'application/json' };
    },
  };
}
