import type { TokenUsage } from '../usage/token-usage.js';
import { backendErrorBody } from './backend-error-body.js';
import { converseToChatCompletion } from './converse-to-chat-completion.js';
import { ConverseStreamToChat } from './converse-stream-to-chat.js';
import { chatRequestToConverse } from './chat-request-to-converse.js';
import { ConverseStreamReader, leftoverError } from './converse-stream-reader.js';
import { converseTokenUsage } from './converse-token-usage.js';
import { readChatRequest } from './openai-chat-request.js';
import { unixSeconds } from './openai-chat-response.js';
import { pathEscape } from './path-escape.js';
import { readAwsError } from './read-aws-error.js';
import { readConverseResponse } from './read-converse-response.js';
import type { ResponseHeaders, Translator, TranslatorContext } from './translator.js';

/**
 * OpenAI chat completions to AWS Bedrock Converse (`/model/{model}/converse`) or ConverseStream
 * (`/converse-stream`). The body is always rebuilt; responses are rebuilt as OpenAI
 * `chat.completion` objects or SSE chunk streams, with the request ID as `id` and the request
 * model as `model` (Bedrock names neither). Errors take the OpenAI SDKs' error shape.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html
 */
export function openAIToAWSBedrock(context: TranslatorContext): Translator {
  const model = context.requestModel;
  let streamRequested = false;
  let includeUsage = false;
  let headers: ResponseHeaders = {};
  let stream: { reader: ConverseStreamReader; chat: ConverseStreamToChat } | undefined;
  let usage: TokenUsage = {};

  return {
    needsBody: true,
    request(client) {
      if (!client) throw new Error('the OpenAI → AWS Bedrock translator needs the request body');
      const chat = readChatRequest(client.json);
      streamRequested = client.stream;
      includeUsage = chat.includeUsage;
      return {
        path: `/model/${pathEscape(model)}/${client.stream ? 'converse-stream' : 'converse'}`,
        body: Buffer.from(JSON.stringify(chatRequestToConverse(chat))),
        headers: [['content-type', 'application/json']],
      };
    },
    responseHeaders(status, responseHeaders) {
      headers = responseHeaders;
      if (status < 200 || status >= 300 || !streamRequested) return { streaming: false };
      const meta = { ...requestId(headers), model, created: unixSeconds(), includeUsage };
      stream = { reader: new ConverseStreamReader(), chat: new ConverseStreamToChat(meta) };
      return { streaming: true, set: [['content-type', 'text/event-stream']] };
    },
    responseBody(chunk, endOfStream) {
      if (stream) {
        const { reader, chat } = stream;
        let out = reader
          .push(chunk)
          .map((item) => chat.translate(item))
          .join('');
        usage = chat.usage;
        if (endOfStream) out += chat.end(leftoverError(reader));
        return { body: Buffer.from(out), usage, responseModel: model };
      }
      const response = readConverseResponse(chunk);
      usage = converseTokenUsage(response.usage);
      const completion = converseToChatCompletion(response, usage, { ...requestId(headers), model, created: unixSeconds() });
      return { body: Buffer.from(JSON.stringify(completion)), usage, responseModel: model };
    },
    responseError(status, body) {
      const error = readAwsError(headers['x-amzn-errortype'], body);
      const type = (error.json ? error.errorType : undefined) ?? 'AWSBedrockBackendError';
      return { body: backendErrorBody(type, status, error.message), contentType: 'application/json' };
    },
  };
}

function requestId(headers: ResponseHeaders): { id?: string } {
  const id = headers['x-amzn-requestid'];
  return id !== undefined ? { id } : {};
}
