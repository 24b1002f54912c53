import { AnthropicUsageAccumulator } from '../usage/convert-anthropic-usage.js';
import type { TokenUsage } from '../usage/token-usage.js';
import { anthropicErrorBody, anthropicErrorType } from './backend-error-body.js';
import { passThrough, type UsageReader } from './openai-to-openai.js';
import { anthropicErrorFromProvider } from './provider-error.js';
import type { ClientRequest, TranslatedRequest, Translator, TranslatorContext } from './translator.js';

/**
 * An Anthropic-API client's request to a provider that answers in Anthropic's own format
 * (Anthropic, Vertex rawPredict): the response bytes are forwarded as they come and only read
 * for usage and the model (which a stream names in `message_start`). Errors reach the client in
 * Anthropic's shape: JSON from Anthropic passes through, anything else is wrapped; behind Vertex,
 * Google's own JSON errors are rewritten too.
 */
export function anthropicPassThrough(
  context: TranslatorContext,
  options: {
    /** The upstream path when the body passes through. */
    path: string;
    /** Builds the upstream request instead (Vertex): the translator then always needs the body. */
    rewrite?: (client: ClientRequest) => TranslatedRequest;
    /** Reads usage from the response (count_tokens has its own shape). */
    readUsage?: (parsed: Record<string, unknown>) => TokenUsage | undefined;
    headers?: [string, string][];
    /** Rewrite JSON errors that are not Anthropic's shape (a relay such as Vertex adds its own). */
    rewriteForeignErrors?: boolean;
  },
): Translator {
  const accumulator = new AnthropicUsageAccumulator();
  const readUsage: UsageReader = options.readUsage ?? ((parsed) => accumulator.observe(parsed));
  const inner = passThrough(context, {
    path: options.path,
    writeOverrideToBody: options.rewrite === undefined,
    readUsage,
    wrapError: (status, body) => anthropicErrorBody(anthropicErrorType(status), body.toString('utf8')),
    ...(options.headers ? { headers: options.headers } : {}),
  });
  const rewrite = options.rewrite;
  return {
    needsBody: rewrite !== undefined || inner.needsBody,
    request(client): TranslatedRequest {
      if (!rewrite) return inner.request(client);
      if (!client) throw new Error('this Anthropic translator needs the request body');
      return rewrite(client);
    },
    responseHeaders: (status, headers) => inner.responseHeaders(status, headers),
    responseBody(chunk, endOfStream) {
      const result = inner.responseBody(chunk, endOfStream);
      const responseModel = accumulator.model ?? result.responseModel ?? context.requestModel;
      return { ...result, responseModel };
    },
    responseError: (status, body) => (options.rewriteForeignErrors ? anthropicErrorFromProvider(status, body) : inner.responseError(status, body)),
  };
}
