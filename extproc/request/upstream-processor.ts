import { BackendExchange, MODEL_HEADER, type BackendRequest } from './backend-exchange.js';
import { findEndpoint, type Endpoint } from './endpoints.js';
import { dynamicMetadata, headerMutation, pickHeaders, setHeader } from '../server/envoy-messages.js';
import { ROUTE_HEADER, UPSTREAM_PROCESSING_MODE } from '../../contract/filter-config.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { HttpBody__Output } from '../generated/envoy/service/ext_proc/v3/HttpBody.js';
import type { HttpHeaders__Output } from '../generated/envoy/service/ext_proc/v3/HttpHeaders.js';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import { isStackOverflow, nestedTooDeeply, parseMultipartRequestBody, parseRequestBody } from './request-body.js';
import { errorResponse } from './error-response.js';
import { ORIGINAL_PATH_HEADER } from './router-processor.js';
import { parsedBodies } from './parsed-body-cache.js';
import type { RuntimeConfig } from '../server/runtime-config.js';
import type { StreamProcessor } from './stream-processor.js';

/**
 * The upstream filter of `upstream`-mode rules (those with fallback priorities): runs once per
 * attempt on the cluster Envoy picked, so it learns the backend from Envoy (an attribute from the
 * endpoint metadata) and translates the original request again for each attempt. Every attempt
 * with a body is done at the body, even a pass-through: Envoy replays the original body on a
 * retry but keeps the headers of the failed attempt, so a retry after an attempt that rewrote
 * the body would go out with that body's `content-length` (the provider then waits for bytes
 * that never come). A pass-through only gets its length back; its body is not sent back.
 */
export class UpstreamProcessor implements StreamProcessor {
  private exchange: BackendExchange | undefined;
  private endpoint: Endpoint | undefined;
  private headers: Partial<Record<string, string>> = {};
  /** Headers a previous attempt's backend may have set that this one does not. */
  private stale: string[] = [];

  /** @param backendName the backend Envoy picked for this attempt (from its endpoint metadata). */
  constructor(
    private readonly runtime: RuntimeConfig,
    private readonly backendName: string,
  ) {}

  async requestHeaders(message: HttpHeaders__Output | undefined): Promise<ProcessingResponse> {
    const backend = this.runtime.backends.get(this.backendName);
    if (!backend) {
      throw new GatewayError('BACKEND_NOT_FOUND', 500, `backend ${JSON.stringify(this.backendName)} is not in the filter config`);
    }
    this.headers = pickHeaders(message, [ORIGINAL_PATH_HEADER, MODEL_HEADER, ROUTE_HEADER, ...this.runtime.pickedHeaders]);
    const originalPath = this.headers[ORIGINAL_PATH_HEADER] ?? this.headers[':path'] ?? '';
    const endpoint = findEndpoint(originalPath);
    if (!endpoint) throw new GatewayError('UNKNOWN_PATH', 404, `unsupported path: ${originalPath}`);
    this.endpoint = endpoint;
    try {
      // Streamed, not duplex: the router filter owns the end of the client's stream (see StreamMode).
      this.exchange = new BackendExchange(this.runtime, backend, endpoint, this.headers[MODEL_HEADER] ?? '', { mode: UPSTREAM_PROCESSING_MODE, streams: 'streamed' }, this.headers);
      const setByRule = this.runtime.headersSetByRule.get(this.headers[ROUTE_HEADER] ?? '') ?? [];
      const metadata = dynamicMetadata({ backend_name: backend.name });
      if (this.exchange.needsBody || message?.end_of_stream !== true) {
        this.stale = [...setByRule];
        return {
          request_headers: { response: {} },
          mode_override: { ...UPSTREAM_PROCESSING_MODE, request_body_mode: 'BUFFERED' },
          dynamic_metadata: metadata,
        };
      }
      const request = await this.exchange.request(undefined);
      const setNow = new Set(request.set.map((option) => option.header?.key));
      const stale = setByRule.filter((name) => !setNow.has(name));
      return {
        request_headers: { response: { header_mutation: headerMutation(request.set, [...request.remove, ...stale]) } },
        dynamic_metadata: metadata,
      };
    } catch (error) {
      if (GatewayError.isInstance(error)) return errorResponse(error, endpoint.clientAPI);
      throw error;
    }
  }

  async requestBody(message: HttpBody__Output | undefined): Promise<ProcessingResponse> {
    const exchange = this.exchange;
    const endpoint = this.endpoint;
    if (!exchange || !endpoint) return { request_body: { response: {} } };
    const raw = message?.body ?? Buffer.alloc(0);
    try {
      const path = this.headers[ORIGINAL_PATH_HEADER] ?? '';
      let request: BackendRequest;
      if (exchange.needsBody) {
        // The router parsed these very bytes (see ParsedBodyCache): each attempt reuses that.
        const parsed = endpoint.bodyFormat === 'multipart' ? await parseMultipartRequestBody(endpoint, path, raw, this.headers['content-type']) : (parsedBodies.recall(endpoint.name, raw) ?? parseRequestBody(endpoint, path, raw));
        request = await exchange.request({ raw, json: parsed.json, stream: parsed.stream, headers: this.headers, index: parsed.index });
      } else {
        request = await exchange.request(undefined);
      }
      const body = request.body ?? raw;
      const setNow = new Set(request.set.map((option) => option.header?.key));
      const set = [...request.set, setHeader('content-length', String(body.length))];
      const header_mutation = headerMutation(set, [...request.remove, ...this.stale.filter((name) => !setNow.has(name))]);
      // A translator may read the body and leave it as it is (a pass-through that did not need to ask for stream usage).
      if (request.body === undefined) return { request_body: { response: { header_mutation } } };
      return { request_body: { response: { status: 'CONTINUE_AND_REPLACE', header_mutation, body_mutation: { body } } } };
    } catch (caught) {
      // Deeply nested values can overflow a translator's recursion: a client error, not a crash.
      const error = isStackOverflow(caught) ? nestedTooDeeply(this.headers[ORIGINAL_PATH_HEADER] ?? '', caught) : caught;
      if (GatewayError.isInstance(error)) return errorResponse(error, endpoint.clientAPI);
      throw error;
    }
  }

  responseHeaders(message: HttpHeaders__Output | undefined): ProcessingResponse {
    return this.exchange ? this.exchange.responseHeaders(message) : { response_headers: { response: {} } };
  }

  responseBody(message: HttpBody__Output | undefined): Promise<ProcessingResponse | undefined> | ProcessingResponse {
    return this.exchange ? this.exchange.responseBody(message) : { response_body: { response: {} } };
  }

  /**
   * Nothing to stop: the attempt's stream runs no timers (the router filter owns them), and
   * chunks Envoy sent before it closed the gRPC stream are still answered.
   */
  close(): void {}
}
