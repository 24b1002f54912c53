import type { HttpBody__Output } from '../generated/envoy/service/ext_proc/v3/HttpBody.js';
import type { HttpHeaders__Output } from '../generated/envoy/service/ext_proc/v3/HttpHeaders.js';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse.js';

/**
 * The response half of an ext_proc stream: whoever reads the response of a request. Split from
 * StreamProcessor because the router filter learns who that is only at the request body (the
 * matched rule's mode), after its own request phases ran.
 */
export interface ResponseProcessor {
  responseHeaders(message: HttpHeaders__Output | undefined): ProcessingResponse;
  /** Undefined: nothing to answer (a FULL_DUPLEX_STREAMED chunk is not answered one to one). */
  responseBody(message: HttpBody__Output | undefined): Promise<ProcessingResponse | undefined> | ProcessingResponse | undefined;
  /** The gRPC stream ended, normally or not (Envoy went away): no timer may fire any more. */
  close(): void;
}

/**
 * One ext_proc gRPC stream, one method per phase Envoy sends it. One implementation per filter
 * instance: RouterProcessor (the listener's filter, one stream per client request) and
 * UpstreamProcessor (the fallback cluster's filter, one stream per attempt); the service picks
 * one from the first message (see handleProcessStream). Trailers are not read by either.
 */
export interface StreamProcessor extends ResponseProcessor {
  requestHeaders(message: HttpHeaders__Output | undefined): Promise<ProcessingResponse> | ProcessingResponse;
  requestBody(message: HttpBody__Output | undefined): Promise<ProcessingResponse>;
}
