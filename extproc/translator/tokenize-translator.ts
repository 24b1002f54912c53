import type { JsonRecord } from '../../common/json-guards.js';
import type { ChatRequest } from './openai-chat-request.js';
import { tokenizeChatRequest } from './tokenize-chat-request.js';
import type { ResponseErrorTranslation, ResponseHeaders, TranslatedRequest, Translator, TranslatorContext } from './translator.js';

/** What differs between the providers that count the tokens of a `/tokenize` request. */
export interface TokenCounter {
  /** The provider, for messages. */
  provider: string;
  /** The provider's count request for the chat (`client` is the whole tokenize body, for vendor fields). */
  request(chat: ChatRequest, client: JsonRecord): TranslatedRequest;
  /** The count in the provider's answer; undefined when it has none. */
  count(answer: unknown): number | undefined;
  /** The provider's error in the OpenAI error shape. */
  error(status: number, body: Buffer, headers: ResponseHeaders): ResponseErrorTranslation;
}

/**
 * `/tokenize` to a provider that counts tokens without tokenizing (Vertex AI, Bedrock, Claude
 * on Vertex or Bedrock). The answer is `{"count": n}`, vLLM's `count` alone, as upstream aigw
 * gives it: token ids and `max_model_len` have no provider source. No token usage is recorded
 * (counting consumes none); the response model is the model asked for, since no counter names one.
 */
export function tokenizeTranslator(context: TranslatorContext, counter: TokenCounter): Translator {
  let headers: ResponseHeaders = {};
  const buffered: Buffer[] = [];
  return {
    needsBody: true,
    request(client) {
      if (!client) throw new Error(`the tokenize to ${counter.provider} translator needs the request body`);
      return counter.request(tokenizeChatRequest(client.json), client.json);
    },
    responseHeaders(_status, responseHeaders) {
      headers = responseHeaders;
      return { streaming: false };
    },
    responseBody(chunk, endOfStream) {
      // A whole JSON body is expected in one call; pieces are held until the end regardless.
      buffered.push(chunk);
      if (!endOfStream) return { body: Buffer.alloc(0), usage: {} };
      let answer: unknown;
      try {
        answer = JSON.parse(Buffer.concat(buffered).toString('utf8'));
      } catch (cause) {
        throw new Error(`the ${counter.provider} token count response is not JSON`, { cause });
      }
      const count = counter.count(answer);
      if (count === undefined) throw new Error(`the ${counter.provider} token count response has no count`);
      return { body: Buffer.from(JSON.stringify({ count })), usage: {}, responseModel: context.requestModel };
    },
    responseError: (status, body) => counter.error(status, body, headers),
  };
}
