import type { ClientAPI } from './endpoints.js';
import { headerMutation, pickHeaders, setHeader } from '../server/envoy-messages.js';
import { ROUTER_PROCESSING_MODE } from '../../contract/filter-config.js';
import type { HttpBody__Output } from '../generated/envoy/service/ext_proc/v3/HttpBody.js';
import type { HttpHeaders__Output } from '../generated/envoy/service/ext_proc/v3/HttpHeaders.js';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import { localReplyForClient, rateLimitRetryAfter } from '../errors/local-reply.js';
import type { RouterContext } from './router-processor.js';
import { RouterStreamGuard } from './router-stream-guard.js';
import type { RuntimeConfig } from '../server/runtime-config.js';
import type { ResponseProcessor } from './stream-processor.js';
import { streamTimeouts } from './stream-timeouts.js';
import type { RequestSpan } from '../telemetry/tracing/request-span.js';
import { SpanResponseObserver } from '../telemetry/tracing/span-response-observer.js';

/** The response headers this watch reads (one pick: it runs once per request). */
const WATCHED_HEADERS = [':status', 'content-type', 'retry-after', 'x-ratelimit-reset'] as const;

/** The fallback rule a request was routed by: what its 2xx stream's timers need. */
export interface FallbackRule {
  /** The rule's name, for the timeout message (Envoy, not the router, picked the backend). */
  name: string;
  /** Any backend of the rule: every one has the rule's timeouts. */
  backend: string;
  /** `performance.now()` when the request was routed: the route timeout's origin. */
  routedAt: number;
}

/**
 * The router filter's response half when it did not pick the backend: a fallback rule's
 * request (the rule's `upstream` mode), whose attempts the upstream filter translates, so the
 * response reaches the router already in the client's shape. The router changes nothing of a
 * provider's answer; it
 * - puts Envoy's own reply when every attempt failed (which no upstream filter saw) in the
 *   client API's error shape (non-OpenAI clients: Envoy writes it in OpenAI's);
 * - feeds the request's span, when tracing is on (SpanResponseObserver);
 * - runs a 2xx stream's timers (RouterStreamGuard): only the router filter can end a stream.
 * Otherwise it steps aside for the rest of the response.
 */
export class FallbackResponse implements ResponseProcessor {
  private readonly observer: SpanResponseObserver | undefined;
  /** The status of an error response whose body may be Envoy's own reply. */
  private errorStatus: number | undefined;
  /** The watch over a 2xx stream, once one started. */
  private guard: RouterStreamGuard | undefined;

  /**
   * @param rule undefined when the rule has no backend, or the stream was never routed (no timers then).
   * @param span the request's span, watched here and ended by a stream timer.
   */
  constructor(
    private readonly runtime: RuntimeConfig,
    private readonly clientAPI: ClientAPI,
    private readonly context: Pick<RouterContext, 'push' | 'streamIdleMs'>,
    private readonly rule?: FallbackRule,
    private readonly span?: RequestSpan,
  ) {
    this.observer = span ? new SpanResponseObserver(span) : undefined;
  }

  /**
   * A response on a stream the router filter never routed (it did not get to the body: Envoy
   * answered first, e.g. a body over the buffer limit): only Envoy's own reply can come, watched
   * the way a fallback rule's is, without a rule's timers or a span.
   */
  static unrouted(runtime: RuntimeConfig, clientAPI: ClientAPI): FallbackResponse {
    return new FallbackResponse(runtime, clientAPI, {});
  }

  responseHeaders(message: HttpHeaders__Output | undefined): ProcessingResponse {
    const headers = pickHeaders(message, WATCHED_HEADERS);
    const status = Number(headers[':status'] ?? '0');
    const open = message?.end_of_stream !== true;
    // Only a body can be Envoy's reply to rewrite, and OpenAI clients already have its shape.
    this.errorStatus = this.clientAPI !== 'openai' && status >= 400 && open ? status : undefined;
    const guard = open && status >= 200 && status < 300 && (headers['content-type'] ?? '').includes('text/event-stream') ? this.streamGuard() : undefined;
    if (guard) {
      this.guard = guard;
      this.observer?.responseHeaders(message);
      return { response_headers: { response: {} }, mode_override: guard.modeOverride(ROUTER_PROCESSING_MODE) };
    }
    if (this.observer) return this.observer.responseHeaders(message);
    const retryAfter = rateLimitRetryAfter(status, headers);
    const response = retryAfter !== undefined ? { header_mutation: headerMutation([setHeader('retry-after', retryAfter)]) } : {};
    if (this.errorStatus !== undefined) return { response_headers: { response } };
    // Otherwise the upstream filter reads the response; step aside for the rest of it.
    return { response_headers: { response }, mode_override: { ...ROUTER_PROCESSING_MODE, response_body_mode: 'NONE' } };
  }

  async responseBody(message: HttpBody__Output | undefined): Promise<ProcessingResponse | undefined> {
    if (this.guard) {
      await this.observer?.responseBody(message);
      return this.guard.responseBody(message);
    }
    const response = this.observer ? await this.observer.responseBody(message) : { response_body: { response: {} } };
    const local = this.errorStatus !== undefined ? localReplyForClient(this.errorStatus, message?.body ?? Buffer.alloc(0), this.clientAPI) : undefined;
    if (!local?.body) return response;
    const set = [setHeader('content-type', 'application/json'), setHeader('content-length', String(local.body.length))];
    return { response_body: { response: { header_mutation: headerMutation(set), body_mutation: { body: local.body } } } };
  }

  close(): void {
    this.guard?.close();
  }

  /** The guard for a 2xx stream, when the rule has stream timers and a way to push their error. */
  private streamGuard(): RouterStreamGuard | undefined {
    const rule = this.rule;
    const push = this.context.push;
    if (!rule || !push) return undefined;
    const config = this.runtime.backends.get(rule.backend);
    const timeouts = config ? streamTimeouts(config, this.context.streamIdleMs) : undefined;
    if (!timeouts) return undefined;
    return new RouterStreamGuard(this.clientAPI, rule.name, timeouts, rule.routedAt, push, this.runtime.logger, (code, body) => this.span?.endError(code, body));
  }
}
