import { isRecord, optionalString } from '../json-guards.js';
import { setTopLevelField } from '../json-patch.js';
import { SseDataLines } from '../sse/sse-data-lines.js';
import { convertOpenAIUsage } from '../usage/convert-openai-usage.js';
import { mergeUsage, type TokenUsage } from '../usage/token-usage.js';
import type { ResponseBodyTranslation, Translator, TranslatorContext } from './translator.js';

/**
 * OpenAI client API to an OpenAI-compatible backend: the same wire format, so the body passes
 * through byte for byte unless the backendRef overrides the model. Responses are only read, to
 * learn usage and the response model.
 */
export function openAIToOpenAI(context: TranslatorContext): Translator {
  const prefix = context.backend.schema.prefix ?? 'v1';
  return openAIWireFormat(context, { path: joinPath(prefix, context.endpoint.suffix), writeOverrideToBody: true });
}

/**
 * The OpenAI wire format to some path: shared by every backend that speaks it (OpenAI and
 * compatibles, Azure OpenAI), which differ only in the path and in where the model goes.
 */
export function openAIWireFormat(context: TranslatorContext, options: { path: string; writeOverrideToBody: boolean }): Translator {
  const override = options.writeOverrideToBody ? context.backend.modelNameOverride : undefined;
  let usage: TokenUsage = {};
  let responseModel: string | undefined;
  let sse: SseDataLines | undefined;

  const observe = (payload: string): void => {
    // Most stream chunks carry neither a new model nor usage: skip the parse when cheap to tell.
    if (responseModel !== undefined && !payload.includes('"usage"')) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      return; // "[DONE]" and anything malformed: forwarded as-is, nothing to learn.
    }
    if (!isRecord(parsed)) return;
    responseModel ??= optionalString(parsed.model);
    const reported = convertOpenAIUsage(parsed.usage);
    if (reported) usage = mergeUsage(usage, reported);
  };

  return {
    requestHeaders: () => ({
      path: options.path,
      needsBody: override !== undefined && override !== '' && override !== context.originalModel,
    }),
    requestBody: (original) =>
      override ? Buffer.from(setTopLevelField(original.toString('utf8'), 'model', JSON.stringify(override))) : original,
    responseBody(chunk, endOfStream, streaming): ResponseBodyTranslation {
      if (streaming) {
        sse ??= new SseDataLines();
        for (const payload of sse.push(chunk)) observe(payload);
        if (endOfStream) for (const payload of sse.flush()) observe(payload);
      } else if (chunk.length > 0) {
        observe(chunk.toString('utf8'));
      }
      return { usage, ...(responseModel !== undefined ? { responseModel } : {}) };
    },
    responseError(status, body) {
      if (looksLikeJson(body)) return {};
      // Keep the client's error handling uniform: a non-JSON provider error becomes OpenAI's shape.
      const wrapped = {
        error: { type: 'OpenAIBackendError', code: String(status), message: body.toString('utf8') },
      };
      return { body: Buffer.from(JSON.stringify(wrapped)), contentType: 'application/json' };
    },
  };
}

function joinPath(prefix: string, suffix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed ? `/${trimmed}/${suffix}` : `/${suffix}`;
}

function looksLikeJson(body: Buffer): boolean {
  try {
    JSON.parse(body.toString('utf8'));
    return true;
  } catch {
    return false;
  }
}
