import { BackendExchange, MODEL_HEADER } from './backend-exchange.js';
import { contentEncodingHeader, decodeRequestBody, requestCodings, type RequestCoding } from './decode-request-body.js';
import { findEndpoint, type Endpoint } from './endpoints.js';
import { appendHeader, dynamicMetadata, headerMutation, immediateResponse, pickHeaders, setHeader } from '../server/envoy-messages.js';
import { rateLimitReplyBody } from '../errors/rate-limit-reply.js';
import { decodeDescriptorValue } from '../../ratelimit/rate-limit-request.js';
import { gatewayErrorBody } from '../errors/error-body.js';
import { errorResponse } from './error-response.js';
import { FallbackResponse, type FallbackRule } from './fallback-response.js';
import { DEFAULT_BUFFER_LIMIT_BYTES, ROUTE_NOT_FOUND_MESSAGE, ROUTER_PROCESSING_MODE, ROUTE_HEADER } from '../../contract/filter-config.js';
import { GatewayError, malformedRequest } from '../errors/gateway-error.js';
import { clientInternalHeaders, INTERNAL_HEADER_PREFIX } from '../server/internal-headers.js';
import type { HeaderValueOption } from '../generated/envoy/config/core/v3/HeaderValueOption.js';
import type { HttpBody__Output } from '../generated/envoy/service/ext_proc/v3/HttpBody.js';
import type { HttpHeaders__Output } from '../generated/envoy/service/ext_proc/v3/HttpHeaders.js';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import { parsedBodies } from './parsed-body-cache.js';
import { isStackOverflow, nestedTooDeeply, parseMultipartRequestBody, parseRequestBody } from './request-body.js';
import { matchRule, MODEL_MATCH_NAME, pickBackend } from './route-matcher.js';
import type { RuntimeConfig } from '../server/runtime-config.js';
import type { ResponseProcessor, StreamProcessor } from './stream-processor.js';
import { RequestSpan } from '../telemetry/tracing/request-span.js';

export { MODEL_HEADER };
export const ORIGINAL_PATH_HEADER = 'x-ai-eg-original-path';
/**
 * Headers the gateway owns, always removed from a client's request (with any other `x-ai-eg-*`
 * it sent, see internal-headers.ts): client-supplied values are dropped before anything reads
 * them (the MCP ones, which Envoy sets on MCP routes, are not forwarded to LLM providers either).
 */
const INTERNAL_HEADERS = [MODEL_HEADER, ORIGINAL_PATH_HEADER, ROUTE_HEADER, 'x-ai-eg-mcp-route', 'x-ai-eg-mcp-backend', 'x-ai-eg-upstream-host'];

/** What the router filter's gRPC stream says about where its request came in (gRPC metadata). */
export interface RouterContext {
  /** The Envoy listener the request came in on, if known. */
  listener?: string;
  /** That listener's buffer limit: what a compressed body may decode to. */
  bufferLimitBytes?: number;
  /** That listener's stream idle timeout (ClientTrafficPolicy): the gateway's stream timers fire before it. */
  streamIdleMs?: number;
  /** Sends a message on this gRPC stream outside the request/response cycle (see BackendExchange). */
  push?: (response: ProcessingResponse) => void;
  /** The client's address (Envoy's `source.address`), sent only when a rate limit counts per address. */
  sourceAddress?: string;
}

/**
 * The router-level filter: one gRPC stream per client request. It finds the endpoint, reads the
 * model from the body and matches the AIGatewayRoute rules; the matched rule's mode then decides,
 * once, who carries the request on and reads its response (`response`):
 * - `router` mode: this filter picks the backend and drives its BackendExchange, which rewrites
 *   the request and reads the response on this same stream;
 * - `upstream` mode (fallback priorities): this filter only tags the request with the rule, the
 *   upstream filter translates each attempt, and a FallbackResponse watches the response.
 * It keeps no state outside this object.
 */
export class RouterProcessor implements StreamProcessor {
  private endpoint: Endpoint | undefined;
  private path = '';
  private headers: Partial<Record<string, string>> = {};
  /** The request body's content codings, undone before the body is read. */
  private codings: RequestCoding[] = [];
  private span: RequestSpan | undefined;
  /** Who reads the response: set by the rule's mode when the request is routed (see responder). */
  private response: ResponseProcessor | undefined;
  /** The raw values of the request headers rate limits read (only with rate limits). */
  private rateLimitHeaders: Map<string, string[]> | undefined;
  /** Charges the response costs to the rate limits of the routed target (router mode, when it has any). */
  private chargeCosts: ((costs: Readonly<Record<string, number>>) => void) | undefined;
  /** `x-ratelimit-*` for the response, from the request's rate-limit checks. */
  private rateLimitResponseHeaders: readonly [string, string][] | undefined;
  /** Upstream mode: removes the parsed body the attempts reuse (see ParsedBodyCache); set once closed. */
  private forgetBody: (() => void) | undefined;
  private closed = false;

  private readonly listener: string | undefined;
  private readonly bufferLimitBytes: number;

  constructor(
    private readonly runtime: RuntimeConfig,
    private readonly context: RouterContext = {},
  ) {
    this.listener = context.listener;
    this.bufferLimitBytes = context.bufferLimitBytes ?? DEFAULT_BUFFER_LIMIT_BYTES;
  }

  requestHeaders(message: HttpHeaders__Output | undefined): ProcessingResponse {
    this.headers = pickHeaders(message, this.runtime.pickedHeaders);
    this.path = this.headers[':path'] ?? '';
    const endpoint = findEndpoint(this.path);
    if (!endpoint) {
      return immediateResponse(404, `unsupported path: ${this.path.split('?')[0] ?? ''}`, 'text/plain');
    }
    if (endpoint.name === 'models' || endpoint.name === 'anthropic-models') {
      return immediateResponse(200, this.runtime.modelsBody(this.headers[':authority'], this.listener, endpoint.clientAPI), 'application/json');
    }
    if (message?.end_of_stream) {
      // No body means no model: refuse rather than route on whatever headers the client sent.
      return errorResponse(malformedRequest(`a JSON body with "model" is required for ${this.path.split('?')[0] ?? ''}`), endpoint.clientAPI);
    }
    try {
      // Refused before the body is buffered: nothing in it could be read.
      this.codings = requestCodings(contentEncodingHeader(message), this.path.split('?')[0] ?? '');
    } catch (error) {
      if (GatewayError.isInstance(error)) return errorResponse(error, endpoint.clientAPI);
      throw error;
    }
    this.endpoint = endpoint;
    const sent = clientInternalHeaders(message);
    // Nothing the gateway reads later (rule matches, telemetry, credentials) may see them either.
    for (const name of sent) delete this.headers[name];
    if (this.runtime.rateLimits) this.rateLimitHeaders = rateLimitHeaderValues(message, this.runtime.rateLimits.headerNames);
    return { request_headers: { response: { header_mutation: headerMutation([], [...new Set([...INTERNAL_HEADERS, ...sent])]) } } };
  }

  async requestBody(message: HttpBody__Output | undefined): Promise<ProcessingResponse> {
    const endpoint = this.endpoint;
    if (!endpoint) return { request_body: { response: {} } };
    try {
      return await this.route(endpoint, message?.body ?? Buffer.alloc(0));
    } catch (caught) {
      // A translator or span recorder overflowing the stack met the client's input (e.g. deeply
      // nested tool-call arguments): a 400, not an internal error.
      const error = isStackOverflow(caught) ? nestedTooDeeply(this.path.split('?')[0] ?? this.path, caught) : caught;
      if (!GatewayError.isInstance(error)) throw error;
      const body = gatewayErrorBody(error, endpoint.clientAPI);
      this.span?.endError(error.status, body);
      return immediateResponse(error.status, body, 'application/json');
    }
  }

  responseHeaders(message: HttpHeaders__Output | undefined): ProcessingResponse {
    const response = this.responder().responseHeaders(message);
    const limits = this.rateLimitResponseHeaders;
    if (!limits || limits.length === 0) return response;
    // Envoy's rate-limit filters add them to every response of a checked request (appended, as they do).
    const mutation = response.immediate_response ? (response.immediate_response.headers ??= {}) : response.response_headers ? ((response.response_headers.response ??= {}).header_mutation ??= {}) : undefined;
    if (mutation) (mutation.set_headers ??= []).push(...limits.map(([name, value]) => appendHeader(name, value)));
    return response;
  }

  responseBody(message: HttpBody__Output | undefined): Promise<ProcessingResponse | undefined> | ProcessingResponse | undefined {
    return this.responder().responseBody(message);
  }

  /** The gRPC stream ended: stops the response's stream timers. */
  close(): void {
    this.closed = true;
    this.forgetBody?.();
    this.response?.close();
  }

  /**
   * The response half the rule's mode chose; a stream never routed (Envoy answered before the
   * body came) can only see Envoy's own reply, watched as a fallback rule's would be.
   */
  private responder(): ResponseProcessor {
    return (this.response ??= FallbackResponse.unrouted(this.runtime, this.endpoint?.clientAPI ?? 'openai'));
  }

  /**
   * The request-time rate-limit checks of the target the request was routed to, made here (in
   * the body round trip Envoy makes anyway) rather than by Envoy's rate-limit filter after it,
   * which would add a round trip to every request: the same descriptors over the headers that
   * filter would see (the client's, with the model the router sets and without client-sent
   * x-ai-eg-*), the same limiter. Returns the 429 (failing closed: the 503) when the request does
   * not go on; otherwise keeps the `x-ratelimit-*` headers for the response.
   */
  private async checkRateLimits(endpoint: Endpoint, rule: string, backend: string | undefined, model: string, metadata: Record<string, string>): Promise<ProcessingResponse | undefined> {
    const limits = this.runtime.rateLimits;
    if (!limits?.applies(rule, backend)) return undefined;
    const headers = new Map(this.rateLimitHeaders);
    if (limits.headerNames.has(MODEL_HEADER)) headers.set(MODEL_HEADER, [model]);
    const facts = { headers, metadata, ...(this.context.sourceAddress !== undefined ? { sourceAddress: this.context.sourceAddress } : {}) };
    if (limits.charges(rule, backend)) {
      // The response costs are charged with the same descriptors when the exchange has them (router mode).
      this.chargeCosts = (costs) => {
        limits.charge(this.listener, rule, backend, { ...facts, metadata: costs }).catch((error: unknown) => {
          this.runtime.logger.warn('rate-limit charge failed', { error: error instanceof Error ? error.message : String(error) });
        });
      };
    }
    const verdict = await limits.check(this.listener, rule, backend, facts);
    if (!verdict.refused) {
      this.rateLimitResponseHeaders = verdict.headers;
      return undefined;
    }
    const status = verdict.refused.status;
    const body = rateLimitReplyBody(status, endpoint.clientAPI);
    this.span?.endError(status, body);
    const response = immediateResponse(status, body, 'application/json');
    const retryAfter = verdict.refused.status === 429 ? verdict.refused.retryAfter : '1';
    const set = response.immediate_response?.headers?.set_headers;
    set?.push(...verdict.headers.map(([name, value]) => appendHeader(name, value)));
    if (retryAfter !== undefined) set?.push(setHeader('retry-after', retryAfter));
    return response;
  }

  private async route(endpoint: Endpoint, original: Buffer): Promise<ProcessingResponse> {
    const path = this.path.split('?')[0] ?? this.path;
    const decoded = this.codings.length > 0 ? await decodeRequestBody(original, this.codings, this.bufferLimitBytes, path) : original;
    const parsed = endpoint.bodyFormat === 'multipart' ? await parseMultipartRequestBody(endpoint, path, decoded, this.headers['content-type']) : parseRequestBody(endpoint, path, decoded);
    const tracer = this.runtime.tracer;
    if (tracer) {
      const headerAttributes = this.runtime.spanHeaders.flatMap((mapping) => {
        const value = this.headers[mapping.header];
        return value === undefined ? [] : [[mapping.attribute, value] as const];
      });
      // A multipart body is mostly the uploaded file: it is not turned into text for the span.
      const raw = endpoint.bodyFormat === 'multipart' ? '' : decoded.toString('utf8');
      this.span = RequestSpan.start(tracer, endpoint.name, this.headers, { json: parsed.json, raw, ...(parsed.file ? { file: parsed.file } : {}) }, headerAttributes);
    }
    const rule = matchRule(this.runtime.rules, this.listener, (name) => (name === MODEL_MATCH_NAME ? parsed.model : this.headers[name]));
    if (!rule) {
      throw new GatewayError('MODEL_NOT_FOUND', 404, `${ROUTE_NOT_FOUND_MESSAGE} Model: ${parsed.model}`);
    }
    const set: HeaderValueOption[] = [setHeader(MODEL_HEADER, parsed.model)];
    const remove: string[] = [];
    const metadata: Record<string, string> = {};
    for (const mapping of this.runtime.logHeaders) {
      const value = this.headers[mapping.header];
      if (value !== undefined) metadata[mapping.attribute] = value;
    }

    // Stream usage the costs need is asked for by the backend's translator (TranslatorContext.needsUsage),
    // which knows whether its backend reports it unasked and keeps the client's stream as the client asked.
    let body = decoded;

    // Whether an unchanged body may go on as it came (compressed): not if its bytes were signed decoded.
    let keepsEncoding = false;
    if (rule.config.mode === 'upstream') {
      const refused = await this.checkRateLimits(endpoint, rule.config.name, undefined, parsed.model, metadata);
      if (refused) return refused;
      this.response = new FallbackResponse(this.runtime, endpoint.clientAPI, this.context, fallbackRule(rule.config.name, rule.config.backends), this.span);
      for (const [name, value] of this.span?.inject ?? []) set.push(setHeader(name, value));
      // The upstream filter translates each attempt; it needs the client's path (the router may
      // not have rewritten it yet, and a retry may see an earlier attempt's rewrite).
      set.push(setHeader(ROUTE_HEADER, rule.config.name), setHeader(ORIGINAL_PATH_HEADER, this.path));
      // Each attempt gets these bytes: it reuses this parse (the stream may have ended while the body was decoded).
      if (endpoint.bodyFormat !== 'multipart' && !this.closed) this.forgetBody = parsedBodies.remember(endpoint.name, body, parsed);
    } else {
      const backendName = pickBackend(rule.config);
      const backend = backendName === undefined ? undefined : this.runtime.backends.get(backendName);
      if (!backend) throw new GatewayError('BACKEND_NOT_FOUND', 503, `no backend is available for model ${parsed.model}`);
      this.span?.backend(backend.schema.name);
      const refused = await this.checkRateLimits(endpoint, rule.config.name, backend.name, parsed.model, metadata);
      if (refused) return refused;
      const filter = {
        mode: ROUTER_PROCESSING_MODE,
        streams: 'duplex',
        ...(this.context.push ? { push: this.context.push } : {}),
        ...(this.context.streamIdleMs !== undefined ? { listenerStreamIdleMs: this.context.streamIdleMs } : {}),
        ...(this.chargeCosts ? { onCosts: this.chargeCosts } : {}),
      } as const;
      const exchange = new BackendExchange(this.runtime, backend, endpoint, parsed.model, filter, this.headers, this.span);
      this.response = exchange;
      for (const [name, value] of this.span?.inject ?? []) set.push(setHeader(name, value));
      const request = await exchange.request({ raw: body, json: parsed.json, stream: parsed.stream, headers: this.headers, index: parsed.index });
      if (request.body) body = request.body;
      set.push(setHeader(ROUTE_HEADER, backend.name), ...request.set);
      remove.push(...request.remove);
      metadata.backend_name = backend.name;
      keepsEncoding = !exchange.signsBody;
    }
    if (decoded !== original) {
      // A compressed body goes on as it came when the gateway neither changed nor signed it;
      // otherwise (and in upstream mode, where each attempt's backend may rewrite it) it goes
      // decoded, without content-encoding: the gateway does not compress.
      if (body === decoded && keepsEncoding) body = original;
      else remove.push('content-encoding');
    }
    if (body !== original) set.push(setHeader('content-length', String(body.length)));
    return {
      request_body: {
        response: {
          header_mutation: headerMutation(set, remove),
          clear_route_cache: true,
          ...(body !== original ? { body_mutation: { body } } : {}),
        },
      },
      ...(Object.keys(metadata).length > 0 ? { dynamic_metadata: dynamicMetadata(metadata) } : {}),
    };
  }
}

/**
 * The values of the headers rate limits read, every one in order, as Envoy's rate-limit actions
 * see them: raw bytes decoded without merging non-UTF-8 bytes (decodeDescriptorValue); client-sent
 * x-ai-eg-* left out (the router removes them before any filter after it runs).
 */
function rateLimitHeaderValues(message: HttpHeaders__Output | undefined, names: ReadonlySet<string>): Map<string, string[]> {
  const values = new Map<string, string[]>();
  for (const header of message?.headers?.headers ?? []) {
    const key = header.key;
    if (key === undefined || !names.has(key) || key.startsWith(INTERNAL_HEADER_PREFIX)) continue;
    const raw = header.raw_value;
    const value = raw && raw.length > 0 ? decodeDescriptorValue(raw) : (header.value ?? '');
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  return values;
}

/** A fallback rule's timers come from any one of its backends: every backend has the rule's timeouts. */
function fallbackRule(name: string, backends: readonly { name: string }[]): FallbackRule | undefined {
  const first = backends[0];
  // When it was routed is the origin of Envoy's route timeout, which the stream timers mirror.
  return first ? { name, backend: first.name, routedAt: performance.now() } : undefined;
}
