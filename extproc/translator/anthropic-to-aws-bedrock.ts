import type { TokenUsage } from '../usage/token-usage.js';
import { converseToAnthropicMessage } from './converse-to-anthropic-message.js';
import { ConverseStreamToAnthropic } from './converse-stream-to-anthropic.js';
import { messagesRequestToConverse } from './messages-request-to-converse.js';
import { ConverseStreamReader, leftoverError } from './converse-stream-reader.js';
import { converseTokenUsage } from './converse-token-usage.js';
import { pathEscape } from './path-escape.js';
import { anthropicErrorFromProvider } from './provider-error.js';
import { readConverseResponse } from './read-converse-response.js';
import type { Translator, TranslatorContext } from './translator.js';

/**
 * Anthropic Messages client API to AWS Bedrock Converse (`/model/{model}/converse`) or
 * ConverseStream (`/converse-stream`): the request is rebuilt as Converse, the answer (or its
 * event stream) as an Anthropic message (or Anthropic SSE events), with Bedrock's request ID as
 * the message id and the request model as its model (Bedrock names neither). Errors take
 * Anthropic's shape.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 */
export function anthropicToAWSBedrock(context: TranslatorContext): Translator {
  const model = context.requestModel;
  let stream: { reader: ConverseStreamReader; events: ConverseStreamToAnthropic } | undefined;
  let id = '';
  let usage: TokenUsage = {};

  return {
    needsBody: true,
    request(client) {
      if (!client) throw new Error('the Anthropic to AWS Bedrock translator needs the request body');
      return {
        path: `/model/${pathEscape(model)}/${client.stream ? 'converse-stream' : 'converse'}`,
        body: Buffer.from(JSON.stringify(messagesRequestToConverse(client)), 'utf8'),
        headers: [['content-type', 'application/json']],
      };
    },
    responseHeaders(status, headers) {
      id = headers['x-amzn-requestid'] ?? '';
      const streaming = status >= 200 && status < 300 && (headers['content-type'] ?? '').includes('application/vnd.amazon.eventstream');
      if (!streaming) return { streaming };
      stream = { reader: new ConverseStreamReader(), events: new ConverseStreamToAnthropic({ id, model }) };
      return { streaming, set: [['content-type', 'text/event-stream']] };
    },
    responseBody(chunk, endOfStream) {
      if (!stream) {
        const response = readConverseResponse(chunk);
        usage = converseTokenUsage(response.usage);
        return { body: Buffer.from(JSON.stringify(converseToAnthropicMessage(response, { id, model })), 'utf8'), usage, responseModel: model };
      }
      const { reader, events } = stream;
      let out = reader
        .push(chunk)
        .map((item) => events.translate(item))
        .join('');
      if (endOfStream) out += events.end(leftoverError(reader));
      return { body: Buffer.from(out, 'utf8'), usage: events.usage, responseModel: model };
    },
    responseError: (status, body) => anthropicErrorFromProvider(status, body),
  };
}

