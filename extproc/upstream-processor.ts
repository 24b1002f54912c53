import { createContentDecoder, type ContentDecoder } from './content-decoder.js';
import { computeCosts } from './costs.js';
import { findEndpoint } from './endpoints.js';
import { dynamicMetadata, headerMutation, pickHeaders, setHeader } from './envoy-messages.js';
import { UPSTREAM_PROCESSING_MODE, type BackendConfig } from './filter-config.js';
import { GatewayError, invalidRequestBody } from './gateway-error.js';
import type { HeaderValueOption } from './generated/envoy/config/core/v3/HeaderValueOption.js';
import type { HttpBody__Output } from './generated/envoy/service/ext_proc/v3/HttpBody.js';
import type { HttpHeaders__Output } from './generated/envoy/service/ext_proc/v3/HttpHeaders.js';
import type { ProcessingResponse } from './generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import type { RequestAttributes } from './metrics/genai-metrics.js';
import { errorResponse, MODEL_HEADER, ORIGINAL_PATH_HEADER } from './router-processor.js';
import type { RuntimeConfig } from './runtime-config.js';
import { isUnsupported, TRANSLATORS } from './translator/translator-table.js';
import type { Translator } from './translator/translator.js';
import type { TokenUsage } from './usage/token-usage.js';

/**
 * The upstream filter: runs once per attempt on the cluster Envoy picked, so it knows the
 * backend (Envoy sends its name as an attribute from the endpoint metadata). It rewrites the
 * path, adds credentials, translates the body when the backend needs it, and reads the response
 * for usage, metrics and cost metadata. Everything about the request lives in this object, i.e.
 * in this one gRPC stream, so any ext_proc process can serve it.
 */
export class UpstreamProcessor {
  private translator: Translator | undefined;
  private backend: BackendConfig | undefined;
  private attributes: RequestAttributes | undefined;
  private startedAt = 0;
  private firstChunkAt: number | undefined;
  private status = 0;
  private streaming = false;
  private decoder: ContentDecoder | undefined;
  private errorChunks: Buffer[] = [];
  private usage: TokenUsage = {};
  private responseModel: string | undefined;

  constructor(private readonly runtime: RuntimeConfig) {}

  requestHeaders(message: HttpHeaders__Output | undefined, backendName: string): ProcessingResponse {
    this.startedAt = performance.now();
    const backend = this.runtime.backends.get(backendName);
    if (!backend) {
      throw new GatewayError('BACKEND_NOT_FOUND', 500, `backend ${JSON.stringify(backendName)} is not in the filter config`);
    }
    this.backend = backend;
    const headers = pickHeaders(message, [ORIGINAL_PATH_HEADER, ':path', MODEL_HEADER]);
    const originalPath = headers[ORIGINAL_PATH_HEADER] ?? headers[':path'] ?? '';
    const endpoint = findEndpoint(originalPath);
    if (!endpoint || endpoint.name === 'models') {
      throw new GatewayError('UNKNOWN_PATH', 404, `unsupported path: ${originalPath}`);
    }
    const originalModel = headers[MODEL_HEADER] ?? '';
    const requestModel = backend.modelNameOverride || originalModel;
    this.attributes = { operation: endpoint.operation, schema: backend.schema.name, originalModel, requestModel };
    const entry = TRANSLATORS[endpoint.name][backend.schema.name];
    if (isUnsupported(entry)) return errorResponse(invalidRequestBody(entry.unsupported));
    this.translator = entry({ endpoint, backend, originalModel, requestModel });
    const translation = this.translator.requestHeaders();

    const set: HeaderValueOption[] = [setHeader(':path', translation.path)];
    if (requestModel !== originalModel) set.push(setHeader(MODEL_HEADER, requestModel));
    for (const header of backend.headerMutation?.set ?? []) set.push(setHeader(header.name, header.value));
    if (backend.auth?.type === 'APIKey') set.push(setHeader('authorization', `Bearer ${backend.auth.key}`));
    const remove = backend.headerMutation?.remove ?? [];
    return {
      request_headers: { response: { header_mutation: headerMutation(set, remove) } },
      ...(translation.needsBody ? { mode_override: { ...UPSTREAM_PROCESSING_MODE, request_body_mode: 'BUFFERED' } } : {}),
      dynamic_metadata: dynamicMetadata({ backend_name: backend.name }),
    };
  }

  requestBody(message: HttpBody__Output | undefined): ProcessingResponse {
    if (!this.translator) return { request_body: { response: {} } };
    const body = this.translator.requestBody(message?.body ?? Buffer.alloc(0));
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
    const headers = pickHeaders(message, [':status', 'content-encoding', 'content-type']);
    this.status = Number(headers[':status'] ?? '0');
    this.decoder = createContentDecoder(headers['content-encoding']);
    const contentType = headers['content-type'] ?? '';
    this.streaming = isSuccess(this.status) && contentType.includes('text/event-stream');
    if (this.streaming) {
      // Stream chunks through as they come; content-length cannot survive chunk-wise processing.
      return {
        response_headers: { response: { header_mutation: headerMutation([], ['content-length']) } },
        mode_override: { ...UPSTREAM_PROCESSING_MODE, response_body_mode: 'STREAMED' },
      };
    }
    return { response_headers: { response: {} } };
  }

  async responseBody(message: HttpBody__Output | undefined): Promise<ProcessingResponse> {
    const chunk = message?.body ?? Buffer.alloc(0);
    const endOfStream = message?.end_of_stream === true || !this.streaming;
    this.firstChunkAt ??= performance.now();
    if (!this.translator || !this.attributes) return { response_body: { response: {} } };

    const decoded = this.decoder ? await this.decoder.decode(chunk, endOfStream) : chunk;
    if (!isSuccess(this.status)) {
      this.errorChunks.push(decoded);
      if (!endOfStream) return { response_body: { response: {} } };
      return this.finishError();
    }

    const translation = this.translator.responseBody(decoded, endOfStream, this.streaming);
    this.usage = translation.usage;
    this.responseModel = translation.responseModel ?? this.responseModel;
    const response: ProcessingResponse = {
      response_body: { response: translation.body ? { body_mutation: { body: translation.body } } : {} },
    };
    if (endOfStream) response.dynamic_metadata = this.finishSuccess();
    return response;
  }

  private finishSuccess(): ProcessingResponse['dynamic_metadata'] {
    const backend = this.backend;
    const attributes = this.attributes;
    if (!backend || !attributes) return undefined;
    const now = performance.now();
    const responseModel = this.responseModel;
    this.runtime.metrics.recordCompletion(
      { ...attributes, ...(responseModel !== undefined ? { responseModel } : {}) },
      {
        durationSeconds: (now - this.startedAt) / 1000,
        success: true,
        usage: this.usage,
        ...(this.streaming && this.firstChunkAt !== undefined ? { ttftSeconds: (this.firstChunkAt - this.startedAt) / 1000 } : {}),
      },
    );
    const costs = computeCosts(this.runtime.costsByRoute.get(backend.route) ?? [], this.usage);
    return dynamicMetadata({
      ...costs,
      backend_name: backend.name,
      model_name_override: attributes.requestModel,
      ai_service_backend_name: backend.aiServiceBackend,
      route_name: backend.route,
      ...(responseModel !== undefined ? { response_model: responseModel } : {}),
    });
  }

  private finishError(): ProcessingResponse {
    const attributes = this.attributes;
    const translator = this.translator;
    if (attributes) {
      this.runtime.metrics.recordCompletion(attributes, {
        durationSeconds: (performance.now() - this.startedAt) / 1000,
        success: false,
        usage: {},
      });
    }
    const translation = translator?.responseError(this.status, Buffer.concat(this.errorChunks)) ?? {};
    if (!translation.body) return { response_body: { response: {} } };
    const set = [setHeader('content-length', String(translation.body.length))];
    if (translation.contentType) set.push(setHeader('content-type', translation.contentType));
    return {
      response_body: {
        response: { header_mutation: headerMutation(set, ['content-encoding']), body_mutation: { body: translation.body } },
      },
    };
  }
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}
