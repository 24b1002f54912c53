import { isRecord, optionalString } from '../../common/json-guards.js';
import { SseReader } from '../../common/sse/sse-reader.js';
import { convertOpenAIUsage } from '../usage/convert-openai-usage.js';
import { mergeUsage, type TokenUsage } from '../usage/token-usage.js';
import { ChatChunksToAnthropic } from './chat-chunks-to-anthropic.js';
import { chatToAnthropicMessage } from './chat-to-anthropic-message.js';
import { messagesRequestToChat } from './messages-request-to-chat.js';
import { joinPath } from './openai-to-openai.js';
import { anthropicErrorFromProvider } from './provider-error.js';
import type { ResponseBodyTranslation, Translator, TranslatorContext } from './translator.js';

/**
 * Anthropic Messages client API to an OpenAI-compatible chat completions backend: the request
 * becomes a chat request, the completion (or its chunk stream) an Anthropic message (or its
 * event stream), and errors take Anthropic's shape.
 */
export function anthropicToOpenAI(context: TranslatorContext): Translator {
  let usage: TokenUsage = {};
  let responseModel: string | undefined;
  let streaming = false;
  let sse: SseReader | undefined;
  let toAnthropic: ChatChunksToAnthropic | undefined;

  const result = (body: string): ResponseBodyTranslation => ({ body: Buffer.from(body, 'utf8'), usage, responseModel: responseModel ?? context.requestModel });

  const parse = (text: string): Record<string, unknown> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      throw new Error(`OpenAI response is not JSON: ${text.slice(0, 200)}`, { cause });
    }
    if (!isRecord(parsed)) throw new Error('OpenAI response is not a JSON object');
    responseModel ??= optionalString(parsed.model);
    const reported = convertOpenAIUsage(parsed.usage);
    if (reported) usage = mergeUsage(usage, reported);
    return parsed;
  };

  return {
    needsBody: true,
    request(client) {
      if (!client) throw new Error('the Anthropic to OpenAI translator needs the request body');
      const body = messagesRequestToChat(client.json, context.requestModel, client.stream);
      return { path: joinPath(context.backend.schema.prefix ?? 'v1', 'chat/completions'), body: Buffer.from(JSON.stringify(body), 'utf8') };
    },
    responseHeaders(status, headers) {
      streaming = status >= 200 && status < 300 && (headers['content-type'] ?? '').includes('text/event-stream');
      return streaming ? { streaming, set: [['content-type', 'text/event-stream']] } : { streaming };
    },
    responseBody(chunk, endOfStream) {
      if (!streaming) {
        const chat = parse(chunk.toString('utf8'));
        return result(JSON.stringify(chatToAnthropicMessage(chat, usage, context.requestModel)));
      }
      sse ??= new SseReader();
      toAnthropic ??= new ChatChunksToAnthropic({ fallbackModel: context.requestModel, usage: () => usage });
      const events = sse.push(chunk).events;
      if (endOfStream) events.push(...sse.end().events);
      let out = '';
      for (const { data: payload } of events) {
        if (payload.trim() === '') continue;
        out += payload.trim() === '[DONE]' ? toAnthropic.done() : toAnthropic.handle(parse(payload));
      }
      if (endOfStream) out += toAnthropic.end();
      return result(out);
    },
    responseError: (status, body) => anthropicErrorFromProvider(status, body),
  };
}
