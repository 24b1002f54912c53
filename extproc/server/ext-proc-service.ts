import type { ServerDuplexStream } from '@grpc/grpc-js';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { BACKEND_NAME_ATTRIBUTE, BUFFER_LIMIT_METADATA_KEY, LISTENER_METADATA_KEY, STREAM_IDLE_METADATA_KEY } from '../../contract/filter-config.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { ProcessingRequest__Output } from '../generated/envoy/service/ext_proc/v3/ProcessingRequest.js';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import type { Struct__Output } from '../generated/google/protobuf/Struct.js';
import { errorResponse, RouterProcessor } from '../request/router-processor.js';
import type { RuntimeConfig } from './runtime-config.js';
import { UpstreamProcessor } from '../request/upstream-processor.js';

const EXT_PROC_ATTRIBUTES_KEY = 'envoy.filters.http.ext_proc';

export type ProcessCall = ServerDuplexStream<ProcessingRequest__Output, ProcessingResponse>;

/**
 * Handles one `Process` stream (one HTTP request at the router level, or one upstream attempt).
 * Messages are processed strictly in order; a phase may be async (decompression), so each one
 * waits for the previous.
 */
export function handleProcessStream(call: ProcessCall, getRuntime: () => RuntimeConfig): void {
  const runtime = getRuntime();
  const listenerValue = call.metadata.get(LISTENER_METADATA_KEY)[0];
  const listener = typeof listenerValue === 'string' ? listenerValue : undefined;
  const bufferLimitBytes = positiveIntegerMetadata(call, BUFFER_LIMIT_METADATA_KEY);
  const streamIdleMs = positiveIntegerMetadata(call, STREAM_IDLE_METADATA_KEY);
  let router: RouterProcessor | undefined;
  let upstream: UpstreamProcessor | undefined;
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
    ended = true;
    router?.close();
  };

  // Undefined: nothing to answer (a FULL_DUPLEX_STREAMED body chunk is not answered one to one).
  const process = async (request: ProcessingRequest__Output): Promise<ProcessingResponse | undefined> => {
    switch (request.request) {
      case 'request_headers': {
        const backendName = backendNameAttribute(request.attributes);
        if (backendName !== undefined) {
          upstream = new UpstreamProcessor(runtime);
          return upstream.requestHeaders(request.request_headers, backendName);
        }
        router = new RouterProcessor(runtime, {
          ...(listener !== undefined ? { listener } : {}),
          ...(bufferLimitBytes !== undefined ? { bufferLimitBytes } : {}),
          ...(streamIdleMs !== undefined ? { streamIdleMs } : {}),
          push,
        });
        return router.requestHeaders(request.request_headers);
      }
      case 'request_body':
        if (upstream) return upstream.requestBody(request.request_body);
        if (router) return router.requestBody(request.request_body);
        return { request_body: { response: {} } };
      case 'response_headers':
        return (upstream ?? router)?.responseHeaders(request.response_headers) ?? { response_headers: { response: {} } };
      case 'response_body': {
        const processor = upstream ?? router;
        return processor ? processor.responseBody(request.response_body) : { response_body: { response: {} } };
      }
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
    call.emit('error', { code: GrpcStatus.INTERNAL, details: 'ext_proc failure' });
  };

  call.on('data', (request: ProcessingRequest__Output) => {
    queue = queue.then(async () => {
      if (failed) return;
      try {
        const response = await process(request);
        if (response) call.write(response);
      } catch (error) {
        fail(error, request.request);
      }
    });
  });
  call.on('end', () => {
    close();
    void queue.then(() => call.end());
  });
  call.on('error', () => {
    failed = true; // Envoy went away (client disconnect, reset): nothing left to answer.
    close();
  });
}

function backendNameAttribute(attributes: Record<string, Struct__Output> | undefined): string | undefined {
  const value = attributes?.[EXT_PROC_ATTRIBUTES_KEY]?.fields?.[BACKEND_NAME_ATTRIBUTE];
  return value?.kind === 'stringValue' ? value.stringValue : undefined;
}

/** A positive integer the bootstrap put in the stream's gRPC metadata, if there is one. */
function positiveIntegerMetadata(call: ProcessCall, key: string): number | undefined {
  const value = Number(call.metadata.get(key)[0]);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}
