import { findEndpoint, type Endpoint } from './endpoints.js';
import { dynamicMetadata, headerMutation, immediateResponse, pickHeaders, setHeader } from './envoy-messages.js';
import { openAIErrorBody } from './error-body.js';
import { GatewayError, malformedRequest } from './gateway-error.js';
import type { HttpBody__Output } from './generated/envoy/service/ext_proc/v3/HttpBody.js';
import type { HttpHeaders__Output } from './generated/envoy/service/ext_proc/v3/HttpHeaders.js';
import type { ProcessingResponse } from './generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import { setTopLevelField } from './json-patch.js';
import { parseRequestBody } from './request-body.js';
import type { RuntimeConfig } from './runtime-config.js';

/** Headers the gateway owns: set by the router filter, trusted by the upstream filter. */
export const MODEL_HEADER = 'x-ai-eg-model';
export const ORIGINAL_PATH_HEADER = 'x-ai-eg-original-path';
const INTERNAL_HEADERS = [MODEL_HEADER, ORIGINAL_PATH_HEADER];

/**
 * The router-level filter: runs once per client request, before routing. It finds the endpoint,
 * reads the model from the body and puts it in `x-ai-eg-model`, then asks Envoy to route again
 * so the AIGatewayRoute rules (header matches) pick the backend. It keeps no state beyond its
 * own stream.
 */
export class RouterProcessor {
  private endpoint: Endpoint | undefined;
  private path = '';

  constructor(private readonly runtime: RuntimeConfig) {}

  requestHeaders(message: HttpHeaders__Output | undefined): ProcessingResponse {
    this.path = pickHeaders(message, [':path'])[':path'] ?? '';
    const endpoint = findEndpoint(this.path);
    if (!endpoint) {
      return immediateResponse(404, `unsupported path: ${this.path.split('?')[0] ?? ''}`, 'text/plain');
    }
    if (endpoint.name === 'models') {
      return immediateResponse(200, this.runtime.modelsBody, 'application/json');
    }
    if (message?.end_of_stream) {
      // No body means no model: refuse rather than route on whatever headers the client sent.
      return errorResponse(malformedRequest(`a JSON body with "model" is required for ${endpoint.name === 'embeddings' ? '/v1/embeddings' : this.path}`));
    }
    this.endpoint = endpoint;
    // Drop client-supplied internal headers now; the body phase sets the trusted values.
    return { request_headers: { response: { header_mutation: headerMutation([], INTERNAL_HEADERS) } } };
  }

  requestBody(message: HttpBody__Output | undefined): ProcessingResponse {
    const endpoint = this.endpoint;
    if (!endpoint) return { request_body: { response: {} } };
    const original = message?.body ?? Buffer.alloc(0);
    let parsed;
    try {
      parsed = parseRequestBody(endpoint, this.path.split('?')[0] ?? this.path, original);
    } catch (error) {
      if (GatewayError.isInstance(error)) return errorResponse(error);
      throw error;
    }
    const set = [setHeader(MODEL_HEADER, parsed.model), setHeader(ORIGINAL_PATH_HEADER, this.path)];
    let replacement: Buffer | undefined;
    if (parsed.stream && this.runtime.anyCosts && parsed.streamOptions?.include_usage !== true) {
      // Costs need usage, and OpenAI only reports usage on streams when asked to.
      const options = JSON.stringify({ ...(parsed.streamOptions ?? {}), include_usage: true });
      replacement = Buffer.from(setTopLevelField(original.toString('utf8'), 'stream_options', options));
      set.push(setHeader('content-length', String(replacement.length)));
    }
    return {
      request_body: {
        response: {
          header_mutation: headerMutation(set),
          clear_route_cache: true,
          ...(replacement ? { body_mutation: { body: replacement } } : {}),
        },
      },
      dynamic_metadata: dynamicMetadata({ original_model: parsed.model }),
    };
  }
}

export function errorResponse(error: GatewayError): ProcessingResponse {
  return immediateResponse(error.status, openAIErrorBody(error), 'application/json');
}
