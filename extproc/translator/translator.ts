import type { Endpoint } from '../endpoints.js';
import type { BackendConfig } from '../filter-config.js';
import type { TokenUsage } from '../usage/token-usage.js';

/** What a translator knows about the request it serves. */
export interface TranslatorContext {
  endpoint: Endpoint;
  backend: BackendConfig;
  /** The model the client asked for (`x-ai-eg-model` as set from the body). */
  originalModel: string;
  /** The model sent to the provider: the backendRef's modelNameOverride, else the original. */
  requestModel: string;
}

export interface RequestHeadersTranslation {
  /** The upstream `:path`. */
  path: string;
  /** Whether the body must be rewritten; when false the body is never sent to the ext_proc. */
  needsBody: boolean;
}

export interface ResponseBodyTranslation {
  /** Replacement bytes for this chunk; undefined forwards the provider's bytes unchanged. */
  body?: Buffer;
  /** Cumulative usage seen so far. */
  usage: TokenUsage;
  responseModel?: string;
}

export interface ResponseErrorTranslation {
  /** Replacement error body in the client API's shape; undefined passes the provider's body. */
  body?: Buffer;
  contentType?: string;
}

/**
 * One translator per (endpoint, client API, backend schema), one instance per request attempt.
 * Phases mirror Envoy's ext_proc messages. A translator never mutates buffers it is given:
 * retries translate the original request again.
 */
export interface Translator {
  requestHeaders(): RequestHeadersTranslation;
  /** Called only when `needsBody` was true; returns the body to send upstream. */
  requestBody(original: Buffer): Buffer;
  /** Called for each chunk of a 2xx response (once, whole, when not streaming). */
  responseBody(chunk: Buffer, endOfStream: boolean, streaming: boolean): ResponseBodyTranslation;
  /** Called once with the whole body of a non-2xx response. */
  responseError(status: number, body: Buffer): ResponseErrorTranslation;
}

export type TranslatorFactory = (context: TranslatorContext) => Translator;
