import { AnthropicUsageAccumulator } from '../usage/convert-anthropic-usage.js';
import { awsAnthropicPath, BEDROCK_ANTHROPIC_VERSION, gcpAnthropicPath, nativeAnthropicBody, VERTEX_ANTHROPIC_VERSION } from './anthropic-backend-request.js';
import { AnthropicEventSource } from './anthropic-event-source.js';
import { anthropicPassThrough } from './anthropic-pass-through.js';
import { editedRequest } from './edited-request.js';
import { joinPath } from './openai-to-openai.js';
import { anthropicErrorFromProvider } from './provider-error.js';
import type { ResponseBodyTranslation, Translator, TranslatorContext } from './translator.js';

/**
 * Anthropic Messages client API to Anthropic: the same wire format, forwarded as is (model
 * override aside); the client's `anthropic-version`/`anthropic-beta` headers go along.
 */
export function anthropicToAnthropic(context: TranslatorContext): Translator {
  return anthropicPassThrough(context, { path: joinPath(context.backend.schema.prefix ?? 'v1', 'messages') });
}

/**
 * Anthropic Messages client API to Claude on Vertex rawPredict: the client's body without
 * `model` and with the schema's `anthropic_version`. Vertex answers in Anthropic's format.
 * The schema must name the version: there is no default for this pair (a config error, 500).
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/partner-models/claude/use-claude
 */
export function anthropicToGCPAnthropic(context: TranslatorContext): Translator {
  const version = context.backend.schema.version;
  return anthropicPassThrough(context, {
    path: gcpAnthropicPath(context.requestModel, false),
    rewriteForeignErrors: true,
    rewrite(client) {
      if (version === undefined || version === '') {
        throw new Error(`AIServiceBackend ${context.backend.aiServiceBackend}: schema GCPAnthropic needs spec.schema.version (e.g. ${VERTEX_ANTHROPIC_VERSION}) to serve /anthropic/v1/messages`);
      }
      return editedRequest({ path: gcpAnthropicPath(context.requestModel, client.stream) }, nativeAnthropicBody(client, { schema: 'GCPAnthropic', version }));
    },
  });
}

/**
 * Anthropic Messages client API to Claude on Bedrock InvokeModel: the client's body without
 * `model` and `stream`, with `anthropic_version` and the accepted beta flags. A non-streaming
 * answer is Anthropic's message as is; a stream arrives as AWS event-stream `chunk`s, each one
 * Anthropic event, and is re-framed as the SSE Anthropic clients read.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModelWithResponseStream.html
 */
export function anthropicToAWSAnthropic(context: TranslatorContext): Translator {
  const usage = new AnthropicUsageAccumulator();
  const version = context.backend.schema.version ?? BEDROCK_ANTHROPIC_VERSION;
  let streaming = false;
  let source: AnthropicEventSource | undefined;

  const result = (body?: Buffer): ResponseBodyTranslation => ({ ...(body ? { body } : {}), usage: usage.usage, responseModel: usage.model ?? context.requestModel });

  return {
    needsBody: true,
    request(client) {
      if (!client) throw new Error('the Anthropic to AWSAnthropic translator needs the request body');
      return editedRequest({ path: awsAnthropicPath(context.requestModel, client.stream) }, nativeAnthropicBody(client, { schema: 'AWSAnthropic', version }));
    },
    responseHeaders(status, headers) {
      streaming = status >= 200 && status < 300 && (headers['content-type'] ?? '').includes('application/vnd.amazon.eventstream');
      return streaming ? { streaming, set: [['content-type', 'text/event-stream']] } : { streaming };
    },
    responseBody(chunk, endOfStream) {
      if (!streaming) {
        try {
          usage.observe(JSON.parse(chunk.toString('utf8')));
        } catch {
          // Forwarded as is: the client sees what Bedrock said; there is no usage to read.
        }
        return result();
      }
      source ??= new AnthropicEventSource('aws-event-stream');
      let out = '';
      for (const event of source.push(chunk, endOfStream)) {
        usage.observe(event.json);
        out += `event: ${event.type}\ndata: ${event.text}\n\n`;
      }
      return result(Buffer.from(out, 'utf8'));
    },
    responseError: (status, body) => anthropicErrorFromProvider(status, body),
  };
}
