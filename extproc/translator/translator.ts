import type { Endpoint } from '../request/endpoints.js';
import type { BackendConfig } from '../../contract/filter-config.js';
import type { JsonRecord } from '../../common/json-guards.js';
import type { TokenUsage } from '../usage/token-usage.js';
import type { JsonBodyEditor } from '../request/json-body-editor.js';
import type { JsonBodyIndex } from '../request/scan-json.js';

/** What a translator knows about the request it serves before it sees the body. */
export interface TranslatorContext {
  endpoint: Endpoint;
  backend: BackendConfig;
  /** The model the client asked for (`x-ai-eg-model` as set from the body). */
  originalModel: string;
  /** The model sent to the provider: the backendRef's modelNameOverride, else the original. */
  requestModel: string;
  /**
   * The gateway needs the token usage of every response, streams included (costs are
   * configured). Backends that report stream usage only when asked (OpenAI's
   * `stream_options.include_usage`) are asked; the client still gets a usage chunk only if it
   * asked for one itself (see README, "Usage in streams").
   */
  needsUsage?: boolean;
}

/** The client's request as the router read it. Read only: retries translate it again. */
export interface ClientRequest {
  /** The body bytes to translate, as the client sent them (decoded). */
  raw: Buffer;
  /** `raw`, parsed; an object (the router refuses anything else with 400). */
  json: JsonRecord;
  /** `stream: true` on an endpoint that can stream. */
  stream: boolean;
  /** Lower-case client request headers a translator may read (`anthropic-version`, `anthropic-beta`). */
  headers: Readonly<Partial<Record<string, string>>>;
  /** Where `raw`'s top-level members are (the router's scan found them): edits need not scan the body again. */
  index?: JsonBodyIndex;
}

/** The upstream request, minus credentials (added afterwards by the backend's authenticator). */
export interface TranslatedRequest {
  /** The upstream `:path` (GCP translators give the part after `/v1/projects/{p}/locations/{r}/`). */
  path: string;
  /** Replacement body; undefined forwards the client's bytes unchanged. */
  body?: Buffer;
  /**
   * The edits of the client's body that make `body` (see editedRequest): the backend's
   * bodyMutation joins them, so the body is written once however many edits it needs.
   */
  edits?: JsonBodyEditor;
  /** Extra upstream headers, e.g. `content-type` or `anthropic-version`. Lower-case names. */
  headers?: [string, string][];
}

/** Lower-case response headers, first value only. */
export type ResponseHeaders = Readonly<Partial<Record<string, string>>>;

export interface ResponseHeadersTranslation {
  /**
   * Whether the 2xx response is read chunk by chunk (SSE or AWS event stream). For a non-2xx
   * status the whole body is always buffered and handed to `responseError`.
   */
  streaming: boolean;
  /** Response headers to set, e.g. `content-type: text/event-stream` for a translated stream. */
  set?: [string, string][];
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
 * retries translate the original request again. Requests the backend cannot express throw
 * `invalidRequestBody` (422); provider responses that cannot be read throw a plain Error (500,
 * or a reset stream once the response started).
 */
export interface Translator {
  /**
   * False when the request can be forwarded without reading the body (pass-through, no model
   * override): `request` is then called with no client request in fallback rules, where the
   * body is not buffered. True for every translator that rewrites the body, or may (a
   * pass-through asks for stream usage only when the body says it streams).
   */
  readonly needsBody: boolean;
  request(client: ClientRequest | undefined): TranslatedRequest;
  /** Called once with the response status and headers. */
  responseHeaders(status: number, headers: ResponseHeaders): ResponseHeadersTranslation;
  /** Called for each chunk of a 2xx response (once, whole, when not streaming). */
  responseBody(chunk: Buffer, endOfStream: boolean): ResponseBodyTranslation;
  /** Called once with the whole body of a non-2xx response (headers were given to `responseHeaders`). */
  responseError(status: number, body: Buffer): ResponseErrorTranslation;
}

export type TranslatorFactory = (context: TranslatorContext) => Translator;
