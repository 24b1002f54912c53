import { BackendExchange, MODEL_HEADER } from './backend-exchange.js';
import { findEndpoint } from './endpoints.js';
import { dynamicMetadata, headerMutation, pickHeaders, setHeader } from './envoy-messages.js';
import { ROUTE_HEADER, UPSTREAM_PROCESSING_MODE } from './filter-config.js';
import { GatewayError } from './gateway-error.js';
import type { HttpBody__Output } from './generated/envoy/service/ext_proc/v3/HttpBody.js';
import type { HttpHeaders__Output } from './generated/envoy/service/ext_proc/v3/HttpHeaders.js';
import type { ProcessingResponse } from './generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import { errorResponse, ORIGINAL_PATH_HEADER } from './router-processor.js';
import type { RuntimeConfig } from './runtime-config.js';

/**
 * The upstream filter of `upstream`-mode rules (those with fallback priorities): runs once per
 * attempt on the cluster Envoy picked, so it learns the backend from Envoy (an attribute from the
 * endpoint metadata) and translates the original request again for each attempt.
 */
export class UpstreamProcessor {
  private exchange: BackendExchange | undefined;

  constructor(private readonly runtime: RuntimeConfig) {}

  requestHeaders(message: HttpHeaders__Output | undefined, backendName: string): ProcessingResponse {
    const backend = this.runtime.backends.get(backendName);
    if (!backend) {
      throw new GatewayError('BACKEND_NOT_FOUND', 500, `backend ${JSON.stringify(backendName)} is not in the filter config`);
    }
    const headers = pickHeaders(message, [ORIGINAL_PATH_HEADER, ':path', MODEL_HEADER, ROUTE_HEADER, ...this.runtime.metricHeaders.map((mapping) => mapping.header)]);
    const originalPath = headers[ORIGINAL_PATH_HEADER] ?? headers[':path'] ?? '';
    const endpoint = findEndpoint(originalPath);
    if (!endpoint) throw new GatewayError('UNKNOWN_PATH', 404, `unsupported path: ${originalPath}`);
    try {
      this.exchange = new BackendExchange(this.runtime, backend, endpoint, headers[MODEL_HEADER] ?? '', UPSTREAM_PROCESSING_MODE, headers);
    } catch (error) {
      if (GatewayError.isInstance(error)) return errorResponse(error);
      throw error;
    }
    const request = this.exchange.request();
    const setNow = new Set(request.set.map((option) => option.header?.key));
    const stale = (this.runtime.headersSetByRule.get(headers[ROUTE_HEADER] ?? '') ?? []).filter((name) => !setNow.has(name));
    return {
      request_headers: { response: { header_mutation: headerMutation(request.set, [...request.remove, ...stale]) } },
      ...(request.needsBody ? { mode_override: { ...UPSTREAM_PROCESSING_MODE, request_body_mode: 'BUFFERED' } } : {}),
      dynamic_metadata: dynamicMetadata({ backend_name: backend.name }),
    };
  }

  requestBody(message: HttpBody__Output | undefined): ProcessingResponse {
    if (!this.exchange) return { request_body: { response: {} } };
    const body = this.exchange.translateBody(message?.body ?? Buffer.alloc(0));
    return {
      request_body: {
        response: {
          status: 'CONTINUE_AND_REPLACE',
          header_mutation: headerMutation([setHeader('content-length', String(body.length))]),
          body_mutation: { body },
        },
      },
    };
  }

  responseHeaders(message: HttpHeaders__Output | undefined): ProcessingResponse {
    return this.exchange ? this.exchange.responseHeaders(message) : { response_headers: { response: {} } };
  }

  responseBody(message: HttpBody__Output | undefined): Promise<ProcessingResponse> | ProcessingResponse {
    return this.exchange ? this.exchange.responseBody(message) : { response_body: { response: {} } };
  }
}
