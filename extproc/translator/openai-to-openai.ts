import { isRecord, optionalString } from '../../common/json-guards.js';
import { SseReader } from '../../common/sse/sse-reader.js';
import { convertOpenAIUsage } from '../usage/convert-openai-usage.js';
import { mergeUsage, type TokenUsage } from '../usage/token-usage.js';
import { backendErrorBody, isJsonBody } from './backend-error-body.js';
import { editClientBody, editedRequest } from './edited-request.js';
import type { ResponseBodyTranslation, Translator, TranslatorContext } from './translator.js';
import { UsageChunkFilter } from './usage-chunk-filter.js';

/**
 * OpenAI client API to an OpenAI-compatible backend: the same wire format, so the body passes
 * through byte for byte unless the backendRef overrides the model. Responses are only read, to
 * learn usage and the response model.
 */
export function openAIToOpenAI(context: TranslatorContext): Translator {
  return openAIWireFormat(context, { path: joinPath(context.backend.schema.prefix ?? 'v1', context.endpoint.suffix), writeOverrideToBody: true });
}

/** How a pass-through reads usage out of one response object (or one stream event). */
export type UsageReader = (parsed: Record<string, unknown>) => TokenUsage | undefined;

const readOpenAIUsage: UsageReader = (parsed) => convertOpenAIUsage(parsed.usage);

/** The endpoints whose streams report usage only when asked (`stream_options.include_usage`). */
const USAGE_ON_REQUEST: ReadonlySet<string> = new Set(['chat-completions', 'completions']);

/**
 * The OpenAI wire format to some path: shared by every backend that speaks it (OpenAI and
 * compatibles, Azure OpenAI), which differ only in the path and in where the model goes.
 */
export function openAIWireFormat(
  context: TranslatorContext,
  options: { path: string; writeOverrideToBody: boolean; readUsage?: UsageReader; backendErrorType?: string },
): Translator {
  return passThrough(context, {
    ...options,
    addStreamUsage: context.needsUsage === true && USAGE_ON_REQUEST.has(context.endpoint.name),
    readUsage: options.readUsage ?? readOpenAIUsage,
    wrapError: (status, body) => backendErrorBody(options.backendErrorType ?? 'OpenAIBackendError', status, body.toString('utf8')),
  });
}

/**
 * A backend that speaks the client's own API: the body is forwarded as is (except a model
 * override), JSON errors pass through, and the response is only observed for usage and model.
 * Shared by OpenAI, Azure OpenAI, Anthropic and Cohere pass-throughs.
 */
export function passThrough(
  context: TranslatorContext,
  options: {
    path: string;
    writeOverrideToBody: boolean;
    readUsage: UsageReader;
    /** Wraps a non-JSON error body in the client API's error shape. */
    wrapError: (status: number, body: Buffer) => Buffer;
    /** Extra upstream headers. */
    headers?: [string, string][];
    /**
     * Ask for stream usage the client did not ask for (`stream_options.include_usage`), and
     * keep the usage chunk that brings from the client (see UsageChunkFilter).
     */
    addStreamUsage?: boolean;
  },
): Translator {
  const override = options.writeOverrideToBody ? context.backend.modelNameOverride : undefined;
  const rewritesModel = override !== undefined && override !== '' && override !== context.originalModel;
  const addStreamUsage = options.addStreamUsage === true;
  /** Set when this attempt's request asked for usage on the client's behalf. */
  let usageFilter: UsageChunkFilter | undefined;
  let usage: TokenUsage = {};
  let responseModel: string | undefined;
  let sse: SseReader | undefined;
  let streaming = false;
  let jsonResponse = false;

  /** Reads usage and model from one JSON payload; false when it is not JSON. */
  const observe = (payload: string): boolean => {
    // Most stream chunks carry neither a new model nor usage: skip the parse when cheap to tell.
    if (responseModel !== undefined && !payload.includes('"usage"') && !payload.includes('_tokens"')) return true;
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      return false; // "[DONE]" and anything malformed in a stream: forwarded as-is, nothing to learn.
    }
    if (!isRecord(parsed)) return true;
    responseModel ??= optionalString(parsed.model) ?? (isRecord(parsed.response) ? optionalString(parsed.response.model) : undefined);
    const reported = options.readUsage(parsed);
    if (reported) usage = mergeUsage(usage, reported);
    return true;
  };

  return {
    // Whether a stream needs usage asked for is in the body.
    needsBody: rewritesModel || addStreamUsage,
    request(client) {
      usageFilter = undefined;
      const request = { path: options.path, ...(options.headers ? { headers: options.headers } : {}) };
      if (!client) return request;
      // Both edits go into one splice of the client's bytes.
      const edits = editClientBody(client);
      if (rewritesModel) edits.set('model', JSON.stringify(override));
      if (addStreamUsage && client.stream && !asksForStreamUsage(client.json)) {
        // A nested edit is a new value for the top-level member: the client's other options are kept.
        const streamOptions = isRecord(client.json.stream_options) ? client.json.stream_options : {};
        edits.set('stream_options', JSON.stringify({ ...streamOptions, include_usage: true }));
        usageFilter = new UsageChunkFilter();
      }
      return editedRequest(request, edits);
    },
    responseHeaders(status, headers) {
      const contentType = headers['content-type'] ?? '';
      streaming = status >= 200 && status < 300 && contentType.includes('text/event-stream');
      jsonResponse = contentType.includes('json');
      return { streaming };
    },
    responseBody(chunk, endOfStream): ResponseBodyTranslation {
      if (streaming) {
        // Whole lines only: the bytes of an unfinished line wait for its end, so that an error
        // event the gateway may have to add (a line over the limit, a stalled stream) never
        // lands in the middle of a provider's line.
        sse ??= new SseReader();
        const read = sse.push(chunk);
        const lines = read.lines;
        for (const event of read.events) observe(event.data);
        if (endOfStream) {
          const last = sse.end();
          lines.push(...last.lines);
          for (const event of last.events) observe(event.data);
        }
        const forwarded = lines.length === 1 && lines[0] ? lines[0] : Buffer.concat(lines);
        return { body: usageFilter ? usageFilter.filter(forwarded) : forwarded, usage, ...(responseModel !== undefined ? { responseModel } : {}) };
      } else if (chunk.length > 0 && !observe(chunk.toString('utf8')) && jsonResponse) {
        // A 2xx that says JSON but is not (cut short, garbage): the client gets a 502, not a body its SDK cannot parse.
        throw new Error(`the ${context.backend.schema.name} response is not valid JSON`);
      }
      return { usage, ...(responseModel !== undefined ? { responseModel } : {}) };
    },
    responseError(status, body) {
      if (isJsonBody(body)) return {};
      // Keep the client's error handling uniform: a non-JSON provider error gets the API's shape.
      return { body: options.wrapError(status, body), contentType: 'application/json' };
    },
  };
}

/** Whether the client asked for the usage chunk of a stream itself. */
function asksForStreamUsage(json: Readonly<Record<string, unknown>>): boolean {
  return isRecord(json.stream_options) && json.stream_options.include_usage === true;
}

export function joinPath(prefix: string, suffix: string): string {
  const trimmed = prefix.replace(/^\/+|\/+$/g, '');
  return trimmed ? `/${trimmed}/${suffix}` : `/${suffix}`;
}
