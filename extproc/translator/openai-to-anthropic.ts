import { isRecord } from '../../common/json-guards.js';
import { AnthropicUsageAccumulator } from '../usage/convert-anthropic-usage.js';
import {
  anthropicVersionHeader,
  awsAnthropicPath,
  bedrockBetaFlags,
  BEDROCK_ANTHROPIC_VERSION,
  gcpAnthropicPath,
  VERTEX_ANTHROPIC_VERSION,
} from './anthropic-backend-request.js';
import { AnthropicEventSource, type AnthropicStreamFraming } from './anthropic-event-source.js';
import { AnthropicEventsToChat } from './anthropic-events-to-chat.js';
import { anthropicMessageToChat } from './anthropic-message-to-chat.js';
import { chatRequestToAnthropic } from './chat-request-to-anthropic.js';
import { readChatRequest } from './openai-chat-request.js';
import { joinPath } from './openai-to-openai.js';
import { openAIErrorFromProvider } from './provider-error.js';
import type { ClientRequest, ResponseBodyTranslation, ResponseHeaders, TranslatedRequest, Translator, TranslatorContext } from './translator.js';

/** What differs between the providers that serve Claude with the Anthropic Messages body. */
interface AnthropicProvider {
  path(stream: boolean): string;
  /** Adds the provider's own fields to the shared body (model, stream, version, betas). */
  complete(body: Record<string, unknown>, client: ClientRequest): void;
  headers(client: ClientRequest): [string, string][];
  framing: AnthropicStreamFraming;
  /** The error type of a provider error whose body is not JSON. */
  errorType: string;
}

/**
 * OpenAI chat completions to Anthropic's Messages API.
 * @see https://docs.anthropic.com/en/api/messages
 */
export function openAIToAnthropic(context: TranslatorContext): Translator {
  return openAIToAnthropicFamily(context, {
    path: () => joinPath(context.backend.schema.prefix ?? 'v1', 'messages'),
    complete(body, client) {
      body.model = context.requestModel;
      if (client.stream) body.stream = true;
    },
    // OpenAI clients send no anthropic-version; Anthropic refuses requests without one.
    headers: anthropicVersionHeader,
    framing: 'sse',
    errorType: 'AnthropicBackendError',
  });
}

/**
 * OpenAI chat completions to Claude on Bedrock InvokeModel: the Messages body with the model in
 * the path, `anthropic_version` in the body, no `stream` (the path says it), and the client's
 * Bedrock-accepted beta flags as `anthropic_beta`. Streams are AWS event streams.
 * @see https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages.html
 */
export function openAIToAWSAnthropic(context: TranslatorContext): Translator {
  return openAIToAnthropicFamily(context, {
    path: (stream) => awsAnthropicPath(context.requestModel, stream),
    complete(body, client) {
      body.anthropic_version = context.backend.schema.version ?? BEDROCK_ANTHROPIC_VERSION;
      const flags = bedrockBetaFlags(client);
      if (flags.length > 0) body.anthropic_beta = flags;
    },
    headers: () => [],
    framing: 'aws-event-stream',
    errorType: 'AWSBedrockBackendError',
  });
}

/**
 * OpenAI chat completions to Claude on Vertex AI rawPredict: the Messages body with the model
 * in the path and `anthropic_version` in the body.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude
 */
export function openAIToGCPAnthropic(context: TranslatorContext): Translator {
  return openAIToAnthropicFamily(context, {
    path: (stream) => gcpAnthropicPath(context.requestModel, stream),
    complete(body, client) {
      body.anthropic_version = context.backend.schema.version ?? VERTEX_ANTHROPIC_VERSION;
      if (client.stream) body.stream = true;
    },
    headers: () => [],
    framing: 'sse',
    errorType: 'GCPBackendError',
  });
}

function openAIToAnthropicFamily(context: TranslatorContext, provider: AnthropicProvider): Translator {
  const usage = new AnthropicUsageAccumulator();
  let includeUsage = false;
  let streaming = false;
  let responseHeaders: ResponseHeaders = {};
  let source: AnthropicEventSource | undefined;
  let toChat: AnthropicEventsToChat | undefined;

  const result = (body: string | Buffer): ResponseBodyTranslation => ({
    body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
    usage: usage.usage,
    responseModel: usage.model ?? context.requestModel,
  });

  return {
    needsBody: true,
    request(client): TranslatedRequest {
      if (!client) throw new Error('the OpenAI to Anthropic translator needs the request body');
      const chat = readChatRequest(client.json);
      includeUsage = chat.includeUsage;
      const body = chatRequestToAnthropic(chat);
      provider.complete(body, client);
      const headers = provider.headers(client);
      return { path: provider.path(client.stream), body: Buffer.from(JSON.stringify(body), 'utf8'), ...(headers.length > 0 ? { headers } : {}) };
    },
    responseHeaders(status, headers) {
      responseHeaders = headers;
      const contentType = headers['content-type'] ?? '';
      // Decided by what came back, not what was asked: a provider may answer a stream request with JSON.
      streaming = status >= 200 && status < 300 && (contentType.includes('text/event-stream') || contentType.includes('application/vnd.amazon.eventstream'));
      return streaming ? { streaming, set: [['content-type', 'text/event-stream']] } : { streaming };
    },
    responseBody(chunk, endOfStream) {
      if (!streaming) return result(Buffer.from(JSON.stringify(nonStreaming(chunk))));
      source ??= new AnthropicEventSource(provider.framing);
      toChat ??= new AnthropicEventsToChat({ fallbackModel: context.requestModel, includeUsage, usage: () => usage.usage });
      let out = '';
      for (const event of source.push(chunk, endOfStream)) {
        usage.observe(event.json);
        out += toChat.handle(event);
      }
      if (endOfStream) out += toChat.end();
      return result(out);
    },
    responseError(status, body) {
      return openAIErrorFromProvider(status, body, responseHeaders, provider.errorType);
    },
  };

  function nonStreaming(chunk: Buffer) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(chunk.toString('utf8'));
    } catch (cause) {
      throw new Error('Anthropic response is not JSON', { cause });
    }
    if (!isRecord(parsed)) throw new Error('Anthropic response is not a JSON object');
    return anthropicMessageToChat(parsed, usage.observe(parsed), context.requestModel);
  }
}
