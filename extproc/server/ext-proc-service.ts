import { BACKEND_NAME_ATTRIBUTE, SOURCE_ADDRESS_ATTRIBUTE, BUFFER_LIMIT_METADATA_KEY, LISTENER_METADATA_KEY, STREAM_IDLE_METADATA_KEY } from '../../contract/filter-config.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { ProcessingRequest__Output } from '../generated/envoy/service/ext_proc/v3/ProcessingRequest.js';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import type { Struct__Output } from '../generated/google/protobuf/Struct.js';
import { errorResponse } from '../request/error-response.js';
import { RouterProcessor, type RouterContext } from '../request/router-processor.js';
import type { RuntimeConfig } from './runtime-config.js';
import type { StreamProcessor } from '../request/stream-processor.js';
import { UpstreamProcessor } from '../request/upstream-processor.js';

const EXT_PROC_ATTRIBUTES_KEY = 'envoy.filters.http.ext_proc';

/** One `Process` stream as the handler sees it; `ext-proc-server.ts` serves it on node:http2. */
export interface ProcessCall {
  /** A gRPC metadata value Envoy sent with the stream (the ext_proc filter's initial metadata). */
  metadata(key: string): string | undefined;
  write(response: ProcessingResponse): void;
  /** Ends the stream with status OK. */
  end(): void;
  /** Ends the stream with status INTERNAL: Envoy fails (or, after the response started, resets) the request. */
  abort(details: string): void;
  onMessage(listener: (request: ProcessingRequest__Output) => void): void;
  /** Envoy half-closed the stream: no more messages. */
  onEnd(listener: () => void): void;
  /** Envoy reset the stream or the connection went away. */
  onError(listener: () => void): void;
}

/**
 * Handles one `Process` stream (one HTTP request at the router level, or one upstream attempt).
 * Messages are processed strictly in order; a phase may be async (decompression), so each one
 * waits for the previous. Which filter instance calls is known from the first message: Envoy
 * attaches the backend name attribute only in the upstream filter (see streamProcessor).
 *
 * Router filter, `router`-mode rule (RouterProcessor, its BackendExchange answers the response):
 *
 *   Envoy (listener's filter)      ext_proc
 *   request_headers ───────────►   endpoint from the path; strip x-ai-eg-* (404, /models, 400, 415: immediate_response)
 *   request_body (BUFFERED) ───►   model → rule → backend; translate, credentials, sign
 *                   ◄───────────   x-ai-eg-route=<backend>, :path, key, body, clear_route_cache (4xx/5xx: immediate_response)
 *     … Envoy re-matches the route and sends the request to that backend's cluster …
 *   response_headers ──────────►   status; a 2xx stream switches to FULL_DUPLEX_STREAMED (mode_override)
 *   response_body ×n ──────────►   translated, scrubbed; usage and costs in dynamic_metadata at the end
 *                   ◄───────────   (pushed) a stream timer's error event ends the stream
 *   end / error ───────────────►   close(): the timers stop
 *
 * Router filter, `upstream`-mode rule (fallback priorities), and the upstream filter per attempt:
 *
 *   Envoy (listener's filter)      RouterProcessor → FallbackResponse
 *   request_headers ───────────►   as above
 *   request_body (BUFFERED) ───►   model → rule; x-ai-eg-route=<rule>, x-ai-eg-original-path, clear_route_cache
 *     … Envoy's load balancer picks a backend by priority; each attempt, retries included, runs:
 *       Envoy (cluster's filter)   UpstreamProcessor (a stream of its own, the backend as attribute)
 *       request_headers ───────►   BackendExchange for that backend; body needed: mode_override BUFFERED,
 *                                  else path/key now; backend_name in dynamic_metadata
 *       request_body ──────────►   translate, credentials, sign; content-length of this attempt's body
 *       response_headers/body ─►   translated (2xx streams STREAMED), usage and costs at the end …
 *   response_headers ──────────►   2xx stream: FULL_DUPLEX_STREAMED under the rule's timers (RouterStreamGuard);
 *                                  error for a non-OpenAI client: read its body; else response_body NONE
 *   response_body ×n ──────────►   passed on (span fed); Envoy's own all-attempts-failed reply put in the client's shape
 *   end / error ───────────────►   close(): the timers stop
 *
 * Trailers are never read (their modes are SKIP, and FULL_DUPLEX_STREAMED's SEND brings none).
 */
export function handleProcessStream(call: ProcessCall, getRuntime: () => RuntimeConfig): void {
  const runtime = getRuntime();
  const listener = call.metadata(LISTENER_METADATA_KEY);
  const bufferLimitBytes = positiveIntegerMetadata(call, BUFFER_LIMIT_METADATA_KEY);
  const streamIdleMs = positiveIntegerMetadata(call, STREAM_IDLE_METADATA_KEY);
  let processor: StreamProcessor | undefined;
  let queue: Promise<void> = Promise.resolve();
  let failed = false;

  let ended = false;
  // A stream's timer ends it with a message of its own, written in turn with the answers.
  const push = (response: ProcessingResponse): void => {
    queue = queue.then(() => {
      if (!failed && !ended) call.write(response);
    });
  };
  const close = (): void => {
    if (ended) return;
    ended = true;
    processor?.close();
  };
  const router: RouterContext = {
    ...(listener !== undefined ? { listener } : {}),
    ...(bufferLimitBytes !== undefined ? { bufferLimitBytes } : {}),
    ...(streamIdleMs !== undefined ? { streamIdleMs } : {}),
    push,
  };

  // Undefined: nothing to answer (a FULL_DUPLEX_STREAMED body chunk is not answered one to one).
  const process = async (request: ProcessingRequest__Output): Promise<ProcessingResponse | undefined> => {
    switch (request.request) {
      case 'request_headers':
        processor = streamProcessor(runtime, request.attributes, router);
        return processor.requestHeaders(request.request_headers);
      case 'request_body':
        return processor ? processor.requestBody(request.request_body) : { request_body: { response: {} } };
      case 'response_headers':
        return processor ? processor.responseHeaders(request.response_headers) : { response_headers: { response: {} } };
      case 'response_body':
        return processor ? processor.responseBody(request.response_body) : { response_body: { response: {} } };
      case 'request_trailers':
        return { request_trailers: {} };
      case 'response_trailers':
        return { response_trailers: {} };
      default:
        throw new GatewayError('INTERNAL', 500, `unexpected ext_proc message ${String(request.request)}`);
    }
  };

  const fail = (error: unknown, phase: string | undefined): void => {
    failed = true;
    runtime.logger.error('ext_proc phase failed', { phase, error: error instanceof Error ? error.message : String(error) });
    // Before the response started, answer with a clean error body; afterwards Envoy can only reset.
    if (phase === 'request_headers' || phase === 'request_body') {
      const gatewayError = GatewayError.isInstance(error)
        ? error
        : new GatewayError('INTERNAL', 500, 'internal error in the AI gateway ext_proc');
      call.write(errorResponse(gatewayError));
      call.end();
      return;
    }
    call.abort('ext_proc failure');
  };

  call.onMessage((request) => {
    queue = queue.then(async () => {
      if (failed) return;
      try {
        const response = await process(request);
        if (!response) return;
        call.write(response);
        // Nothing follows the answer to the response's end (trailer modes are SKIP) or to a
        // local reply: the stream ends here rather than when Envoy closes it. Left to Envoy, the
        // HTTP request often finishes first and Envoy resets the stream, which costs the
        // ext_proc an error object (with a stack trace) per request.
        if (response.immediate_response || request.response_body?.end_of_stream === true || request.response_headers?.end_of_stream === true) {
          close();
          call.end();
        }
      } catch (error) {
        fail(error, request.request);
      }
    });
  });
  call.onEnd(() => {
    close();
    void queue.then(() => call.end());
  });
  call.onError(() => {
    failed = true; // Envoy went away (client disconnect, reset): nothing left to answer.
    close();
  });
}

/**
 * The one place a stream's mode is chosen: the upstream filter asks Envoy for the backend name
 * of the endpoint it picked (an attribute the router filter never gets), so a request_headers
 * message carrying it comes from an attempt of a fallback rule; any other from the listener.
 */
function streamProcessor(runtime: RuntimeConfig, attributes: ProcessingRequest__Output['attributes'], router: RouterContext): StreamProcessor {
  const backendName = stringAttribute(attributes, BACKEND_NAME_ATTRIBUTE);
  if (backendName !== undefined) return new UpstreamProcessor(runtime, backendName);
  // Asked for only when a rate limit counts per client address.
  const sourceAddress = stringAttribute(attributes, SOURCE_ADDRESS_ATTRIBUTE);
  return new RouterProcessor(runtime, sourceAddress === undefined ? router : { ...router, sourceAddress });
}

function stringAttribute(attributes: Record<string, Struct__Output> | undefined, name: string): string | undefined {
  const value = attributes?.[EXT_PROC_ATTRIBUTES_KEY]?.fields?.[name];
  return value?.kind === 'stringValue' ? value.stringValue : undefined;
}

/** A positive integer the bootstrap put in the stream's gRPC metadata, if there is one. */
function positiveIntegerMetadata(call: ProcessCall, key: string): number | undefined {
  const value = Number(call.metadata(key));
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}
