import { createContentDecoder, type ContentDecoder } from './content-decoder.js';
import { computeCosts } from '../usage/costs.js';
import type { ClientAPI, Endpoint } from './endpoints.js';
import { dynamicMetadata, headerMutation, immediateResponse, pickHeaders, setHeader } from '../server/envoy-messages.js';
import { gatewayErrorBody } from '../errors/error-body.js';
import type { BackendAuthenticator } from '../auth/backend-authenticator.js';
import { NO_AUTH } from '../auth/create-authenticator.js';
import type { BackendConfig, BodyMutation } from '../../contract/filter-config.js';
import { JsonBodyEditor } from './json-body-editor.js';
import { parsesAsJson } from '../../common/json-guards.js';
import { GatewayError, invalidRequestBody } from '../errors/gateway-error.js';
import type { HeaderValueOption } from '../generated/envoy/config/core/v3/HeaderValueOption.js';
import type { ProcessingMode } from '../generated/envoy/extensions/filters/http/ext_proc/v3/ProcessingMode.js';
import type { HttpBody__Output } from '../generated/envoy/service/ext_proc/v3/HttpBody.js';
import type { HttpHeaders__Output } from '../generated/envoy/service/ext_proc/v3/HttpHeaders.js';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import { localReplyForClient, rateLimitRetryAfter } from '../errors/local-reply.js';
import { scrubbedResponseHeaders } from './scrubbed-response-headers.js';
import { SecretScrubber, type StreamScrubber } from './secret-scrubber.js';
import { credentialHeaderValues } from './sensitive-headers.js';
import { ResponseStream, streamModeOverride, type StreamMode } from './response-stream.js';
import type { RequestAttributes } from '../telemetry/metrics/genai-metrics.js';
import type { RuntimeConfig } from '../server/runtime-config.js';
import type { ResponseProcessor } from './stream-processor.js';
import { streamTimeouts, timeoutMessage, type StreamTimeout } from './stream-timeouts.js';
import type { RequestSpan } from '../telemetry/tracing/request-span.js';
import { isUnsupported, TRANSLATORS } from '../translator/translator-table.js';
import type { ClientRequest, ResponseBodyTranslation, TranslatedRequest, Translator } from '../translator/translator.js';
import type { TokenUsage } from '../usage/token-usage.js';

export const MODEL_HEADER = 'x-ai-eg-model';

/** Response headers translators may read. */
const RESPONSE_HEADERS = [':status', 'content-encoding', 'content-type', 'x-amzn-requestid', 'x-amzn-errortype', 'retry-after', 'x-ratelimit-reset'];

/** What the request to the backend needs: header edits and, when rewritten, the new body. */
export interface BackendRequest {
  set: HeaderValueOption[];
  remove: string[];
  /** The body to send, when it differs from the one given. */
  body?: Buffer;
}

/** The ext_proc filter that drives an exchange, and how it may answer. */
export interface ExchangeFilter {
  /** The filter's processing mode; a response mode override starts from it, because Envoy replaces the whole mode with the override. */
  mode: ProcessingMode;
  /** How 2xx streams are answered (see StreamMode); only `duplex` runs the stream timers. */
  streams: StreamMode;
  /**
   * Sends a message on the filter's gRPC stream outside the request/response cycle (in order
   * with the answers): how a stream's timer ends it with an error event.
   */
  push?: (response: ProcessingResponse) => void;
  /** The listener's stream idle timeout (ClientTrafficPolicy): the stream timers fire before Envoy's. */
  listenerStreamIdleMs?: number;
  /** Called with the request's costs when its response is done (the router charges rate limits with them). */
  onCosts?: (costs: Readonly<Record<string, number>>) => void;
}

/**
 * One request to one backend: picks the translator for (endpoint, backend schema), produces the
 * upstream path, credentials and body, and reads the response for usage, metrics and cost
 * metadata. Driven either by the router filter (one gRPC stream does everything) or by the
 * upstream filter (once per attempt); all its state belongs to that one stream. It is the router
 * filter's ResponseProcessor in `router` mode.
 */
export class BackendExchange implements ResponseProcessor {
  private readonly translator: Translator;
  private readonly authenticator: BackendAuthenticator;
  private readonly attributes: RequestAttributes;
  private readonly clientAPI: ClientAPI;
  private readonly startedAt = performance.now();
  /** When the request was ready to go (Envoy's route timer starts right after): the stream's request timer starts here. */
  private sentAt: number | undefined;
  private firstChunkAt: number | undefined;
  private status = 0;
  private streaming = false;
  /** A 2xx stream (see ResponseStream). */
  private stream: ResponseStream | undefined;
  private decoder: ContentDecoder | undefined;
  private readonly errorChunks: Buffer[] = [];
  private usage: TokenUsage = {};
  private responseModel: string | undefined;
  /** The 2xx response could not be read: the client was told, the rest of the body is dropped. */
  private failed = false;
  /** Set when the request carried credentials: the response is scrubbed of them (see SecretScrubber). */
  private scrubber: SecretScrubber | undefined;
  private streamScrubber: StreamScrubber | undefined;

  /** @throws GatewayError 422 when the backend's schema cannot serve this endpoint. */
  constructor(
    private readonly runtime: RuntimeConfig,
    readonly backend: BackendConfig,
    endpoint: Endpoint,
    originalModel: string,
    private readonly filter: ExchangeFilter,
    /** Client request headers (picked): metric labels, credential overrides, translator inputs. */
    private readonly requestHeaders: Partial<Record<string, string>> = {},
    /** The request's span, ended by this exchange with the client-visible response. */
    private readonly span?: RequestSpan,
  ) {
    const requestModel = backend.modelNameOverride || originalModel;
    const headerLabels: Record<string, string> = {};
    for (const mapping of runtime.metricHeaders) headerLabels[mapping.label] = requestHeaders[mapping.header] ?? '';
    this.attributes = { operation: endpoint.operation, schema: backend.schema.name, originalModel, requestModel, headerLabels };
    this.clientAPI = endpoint.clientAPI;
    const entry =
      endpoint.name === 'models' || endpoint.name === 'anthropic-models'
        ? { unsupported: `GET ${endpoint.suffix} is answered by the gateway` }
        : TRANSLATORS[endpoint.name][backend.schema.name];
    if (isUnsupported(entry)) throw this.answeredLocally(invalidRequestBody(entry.unsupported));
    if (endpoint.bodyFormat === 'multipart' && backend.bodyMutation) {
      // Body mutations edit JSON fields; applied to a form upload they would corrupt it.
      throw this.answeredLocally(invalidRequestBody(`bodyMutation of backend ${backend.aiServiceBackend} cannot be applied to the multipart upload of ${endpoint.suffix}`));
    }
    this.translator = entry({ endpoint, backend, originalModel, requestModel, needsUsage: runtime.anyCosts });
    this.authenticator = runtime.authenticators.get(backend.name) ?? NO_AUTH;
  }

  /** Whether `request` needs the client's body (translation, body mutation, or a signature over it). */
  get needsBody(): boolean {
    return this.translator.needsBody || this.backend.bodyMutation !== undefined || this.authenticator.needsBody;
  }

  /** Whether the credentials are computed over the body (SigV4): the bytes sent must be the ones given to `request`. */
  get signsBody(): boolean {
    return this.authenticator.needsBody;
  }

  /**
   * Path, model header, backend header mutations, credentials and, when rewritten, the body.
   * `client` may be undefined only when `needsBody` is false.
   * @throws GatewayError 4xx for requests the backend cannot take, 401/502 for credentials.
   */
  async request(client: ClientRequest | undefined): Promise<BackendRequest> {
    try {
      return await this.prepare(client);
    } catch (error) {
      throw this.answeredLocally(error);
    }
  }

  /**
   * The gateway answers the request itself although a backend was chosen (the backend cannot
   * express it, a per-request credential is missing, the request breaks a translator): the
   * request still counts, as a failed one in gen_ai_server_request_duration (error_type
   * `_OTHER`), the way upstream's upstream filter records it. No response follows, so nothing
   * else records it. Returns `error` for the caller to throw.
   */
  private answeredLocally<E>(error: E): E {
    this.runtime.metrics.recordCompletion(this.attributes, { durationSeconds: (performance.now() - this.startedAt) / 1000, success: false, usage: {} });
    return error;
  }

  private async prepare(client: ClientRequest | undefined): Promise<BackendRequest> {
    const translated = this.translator.request(client);
    const body = requestBody(translated, client, this.backend.bodyMutation);
    const host = this.backend.host ?? this.requestHeaders[':authority'] ?? '';
    const auth = await this.authenticator.apply({ path: translated.path, body, headers: this.requestHeaders, host });
    const { originalModel, requestModel } = this.attributes;
    const set: HeaderValueOption[] = [setHeader(':path', auth.path ?? translated.path)];
    if (requestModel !== originalModel) set.push(setHeader(MODEL_HEADER, requestModel));
    for (const [name, value] of translated.headers ?? []) set.push(setHeader(name, value));
    for (const header of this.backend.headerMutation?.set ?? []) set.push(setHeader(header.name, header.value));
    for (const [name, value] of auth.headers) set.push(setHeader(name, value));
    // A header this request sets is not also removed (a client credential header a backend sets itself).
    const setNames = new Set(set.map((option) => option.header?.key));
    const remove = [...(this.backend.headerMutation?.remove ?? []), ...this.authenticator.removeHeaders].filter((name) => !setNames.has(name));
    this.scrubber = SecretScrubber.for([...auth.secrets, ...credentialHeaderValues(this.backend.headerMutation?.set ?? [])]);
    this.sentAt = performance.now();
    return { set, remove, ...(body !== undefined && body !== client?.raw ? { body } : {}) };
  }

  responseHeaders(message: HttpHeaders__Output | undefined): ProcessingResponse {
    const headers = pickHeaders(message, RESPONSE_HEADERS);
    this.status = Number(headers[':status'] ?? '0');
    this.decoder = createContentDecoder(headers['content-encoding']);
    const translation = this.translator.responseHeaders(this.status, headers);
    this.streaming = isSuccess(this.status) && translation.streaming;
    const set = (translation.set ?? []).map(([name, value]) => setHeader(name, value));
    if (this.scrubber) set.push(...scrubbedResponseHeaders(this.scrubber, message));
    const retryAfter = rateLimitRetryAfter(this.status, headers);
    if (retryAfter !== undefined) set.push(setHeader('retry-after', retryAfter));
    if (this.streaming) {
      // A key may be split across chunks: the stream scrubber holds back a possible start of one.
      this.streamScrubber = this.scrubber?.stream();
      // Stream chunks through as they come; content-length cannot survive chunk-wise processing,
      // and every chunk goes back decoded (translated or whole lines), so the encoding is gone.
      const push = this.filter.push;
      const timers = push ? { timeouts: streamTimeouts(this.backend, this.filter.listenerStreamIdleMs), startedAt: this.sentAt ?? this.startedAt, onTimeout: (timeout: StreamTimeout) => push(this.timedOut(timeout)) } : undefined;
      this.stream = new ResponseStream(this.filter.streams, timers);
      return {
        response_headers: { response: { header_mutation: headerMutation(set, ['content-length', ...(this.decoder ? ['content-encoding'] : [])]) } },
        mode_override: { ...this.filter.mode, ...streamModeOverride(this.filter.streams) },
      };
    }
    return { response_headers: { response: set.length > 0 ? { header_mutation: headerMutation(set) } : {} } };
  }

  /** The answer to one body chunk; none for a stream chunk with nothing to send on yet (or after the stream ended). */
  async responseBody(message: HttpBody__Output | undefined): Promise<ProcessingResponse | undefined> {
    const chunk = message?.body ?? Buffer.alloc(0);
    const endOfStream = message?.end_of_stream === true || !this.streaming;
    this.firstChunkAt ??= performance.now();
    if (this.stream) return this.streamBody(this.stream, chunk, endOfStream);
    if (this.failed) return { response_body: { response: { body_mutation: { clear_body: true } } } };
    if (!isSuccess(this.status)) {
      this.errorChunks.push(this.decoder ? await this.decoder.decode(chunk, endOfStream) : chunk);
      if (!endOfStream) return { response_body: { response: {} } };
      return this.finishError();
    }
    let decoded: Buffer;
    let translation: ResponseBodyTranslation;
    try {
      decoded = this.decoder ? await this.decoder.decode(chunk, endOfStream) : chunk;
      translation = this.translator.responseBody(decoded, endOfStream);
    } catch (error) {
      return this.unreadable(error);
    }
    this.usage = translation.usage;
    this.responseModel = translation.responseModel ?? this.responseModel;
    const output = translation.body ?? decoded;
    const sent = this.scrubber?.scrub(output) ?? output;
    this.span?.responseChunk(sent, false);
    const response: ProcessingResponse = { response_body: { response: {} } };
    if (translation.body || sent !== output) {
      // Buffered: the headers are still held, so the length and encoding can follow the new body.
      const length = setHeader('content-length', String(sent.length));
      response.response_body = { response: { body_mutation: { body: sent }, header_mutation: headerMutation([length], this.decoder ? ['content-encoding'] : []) } };
    }
    response.dynamic_metadata = this.finishSuccess();
    this.span?.endSuccess(this.usage);
    return response;
  }

  /** The exchange's ext_proc stream ended (normally, or Envoy went away): no timer may fire any more. */
  close(): void {
    this.stream?.end();
  }

  /** One chunk of a 2xx stream: sent on as soon as the translator makes something of it. */
  private async streamBody(stream: ResponseStream, chunk: Buffer, endOfStream: boolean): Promise<ProcessingResponse | undefined> {
    if (stream.ended) return stream.dropped();
    const expired = stream.arrived();
    if (expired) return this.timedOut(expired);
    let out: Buffer;
    let translation: ResponseBodyTranslation;
    try {
      const decoded = this.decoder ? await this.decoder.decode(chunk, endOfStream) : chunk;
      // A timer may have ended the stream while the chunk was being decoded.
      if (stream.ended) return stream.dropped();
      translation = this.translator.responseBody(decoded, endOfStream);
      const output = translation.body ?? decoded;
      out = this.streamScrubber?.push(output, endOfStream) ?? output;
    } catch (error) {
      return this.unreadable(error);
    }
    this.usage = translation.usage;
    this.responseModel = translation.responseModel ?? this.responseModel;
    this.span?.responseChunk(out, true);
    const response = stream.body(out, endOfStream, !this.decoder && out.equals(chunk));
    if (endOfStream && response) {
      response.dynamic_metadata = this.finishSuccess();
      this.span?.endSuccess(this.usage);
    }
    return response;
  }

  /**
   * A stream's timer fired: the client gets an error event naming the timeout (its SDK raises
   * it), never a clean end; Envoy then ends the response and cancels the upstream request.
   */
  private timedOut(timeout: StreamTimeout): ProcessingResponse {
    this.failed = true;
    const message = timeoutMessage(timeout, `backend ${this.backend.aiServiceBackend}`);
    this.runtime.logger.warn('stream ended by a timeout', { backend: this.backend.name, timeout: timeout.field, ms: timeout.ms });
    this.runtime.metrics.recordCompletion(this.attributes, { durationSeconds: (performance.now() - this.startedAt) / 1000, success: false, usage: this.usage });
    const body = gatewayErrorBody(new GatewayError('UPSTREAM_FAILURE', 504, message), this.clientAPI);
    this.span?.endError(504, body);
    return this.stream ? this.stream.fail(this.clientAPI, body) : immediateResponse(504, body, 'application/json');
  }

  private finishSuccess(): ProcessingResponse['dynamic_metadata'] {
    const responseModel = this.responseModel;
    this.runtime.metrics.recordCompletion(
      { ...this.attributes, ...(responseModel !== undefined ? { responseModel } : {}) },
      {
        durationSeconds: (performance.now() - this.startedAt) / 1000,
        success: true,
        usage: this.usage,
        ...(this.streaming && this.firstChunkAt !== undefined ? { ttftSeconds: (this.firstChunkAt - this.startedAt) / 1000 } : {}),
      },
    );
    const costs = computeCosts(this.runtime.costsByRoute.get(this.backend.route) ?? [], {
      model: this.attributes.requestModel,
      backend: this.backend.name,
      routeName: this.backend.route,
      usage: this.usage,
    }, this.backend.aiServiceBackend);
    this.filter.onCosts?.(costs);
    return dynamicMetadata({
      ...costs,
      backend_name: this.backend.name,
      model_name_override: this.attributes.requestModel,
      ai_service_backend_name: this.backend.aiServiceBackend,
      route_name: this.backend.route,
      ...(responseModel !== undefined ? { response_model: responseModel } : {}),
    });
  }

  /**
   * A 2xx body the translator cannot read (malformed JSON, a broken stream, an event over the
   * gateway's limits): the client gets a 502 in its API's error shape while the status can still
   * change, else (a stream already under way) an error event in its API's stream format, which
   * ends the stream. Either way the client's SDK raises instead of reading a half-translated answer.
   */
  private unreadable(error: unknown): ProcessingResponse {
    this.failed = true;
    const reason = error instanceof Error ? error.message : String(error);
    this.runtime.logger.error('unreadable response from the backend', { backend: this.backend.name, error: reason });
    this.runtime.metrics.recordCompletion(this.attributes, { durationSeconds: (performance.now() - this.startedAt) / 1000, success: false, usage: this.usage });
    const gatewayError = new GatewayError('UPSTREAM_FAILURE', 502, `the response of backend ${this.backend.aiServiceBackend} cannot be read: ${reason}`);
    // The reason may quote the body (JSON.parse does), and with it a key the provider echoed.
    const text = gatewayErrorBody(gatewayError, this.clientAPI);
    const body = this.scrubber?.scrub(Buffer.from(text))?.toString('utf8') ?? text;
    this.span?.endError(502, body);
    // Once a stream is under way only an error event can still reach the client; it ends the stream.
    return this.stream ? this.stream.fail(this.clientAPI, body) : immediateResponse(502, body, 'application/json');
  }

  private finishError(): ProcessingResponse {
    this.runtime.metrics.recordCompletion(this.attributes, {
      durationSeconds: (performance.now() - this.startedAt) / 1000,
      success: false,
      usage: {},
    });
    const raw = Buffer.concat(this.errorChunks);
    // Envoy's own reply (connect failure, timeout) is not the provider's: no translator reads it.
    const translation = localReplyForClient(this.status, raw, this.clientAPI) ?? this.translator.responseError(this.status, raw);
    // Providers quote a rejected key in their error ("Incorrect API key provided: sk-…"), passed through or translated.
    const body = this.scrubber?.scrub(translation.body ?? raw) ?? translation.body;
    this.span?.endError(this.status, (body ?? raw).toString('utf8'));
    if (!body) return { response_body: { response: {} } };
    const set = [setHeader('content-length', String(body.length))];
    if (translation.contentType) set.push(setHeader('content-type', translation.contentType));
    return {
      response_body: {
        response: { header_mutation: headerMutation(set, ['content-encoding']), body_mutation: { body } },
      },
    };
  }
}

/**
 * The body to send: the translator's, with the backend's bodyMutation applied after the
 * translator's edits (removals first, then sets). A value that parses as JSON goes in as is
 * (numbers, objects); anything else as a JSON string. The mutation joins the translator's edits
 * of the client's body when there are some, or else edits the client's body with the router's
 * index of it, so the body is written once; only a body the translator built anew is scanned.
 */
function requestBody(translated: TranslatedRequest, client: ClientRequest | undefined, mutation: BodyMutation | undefined): Buffer | undefined {
  if (!mutation) return translated.body ?? client?.raw;
  let edits = translated.edits;
  if (!edits && translated.body) edits = new JsonBodyEditor(translated.body);
  if (!edits && client) edits = new JsonBodyEditor(client.raw, client.index);
  if (!edits) return undefined;
  for (const field of mutation.remove) edits.remove(field);
  for (const field of mutation.set) edits.set(field.path, parsesAsJson(field.value) ? field.value : JSON.stringify(field.value));
  return edits.toBuffer();
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}
