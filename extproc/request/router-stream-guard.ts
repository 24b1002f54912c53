import type { ClientAPI } from './endpoints.js';
import { gatewayErrorBody } from '../errors/error-body.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { HttpBody__Output } from '../generated/envoy/service/ext_proc/v3/HttpBody.js';
import type { ProcessingMode } from '../generated/envoy/extensions/filters/http/ext_proc/v3/ProcessingMode.js';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import type { Logger } from '../../common/logger.js';
import { ResponseStream, streamModeOverride } from './response-stream.js';
import type { StreamTimeout, StreamTimeouts } from './stream-timeouts.js';
import { timeoutMessage } from './stream-timeouts.js';

/**
 * The router filter's watch over a 2xx stream of a fallback rule, which the upstream filter
 * translates chunk by chunk (in STREAMED mode): the router filter runs the stream's timers and,
 * when one fires, ends the client's stream with an error event naming it. It must be the router
 * filter: only a stream ended in the HTTP connection manager's filter chain makes Envoy reset
 * the provider's request (see StreamMode). The chunks pass through unchanged.
 */
export class RouterStreamGuard {
  private readonly stream: ResponseStream;

  /**
   * @param rule the rule's name, for the error message (Envoy, not the router, picked the backend).
   * @param onEnd called once with the error body when a timer ended the stream (the span records it).
   */
  constructor(
    private readonly clientAPI: ClientAPI,
    private readonly rule: string,
    timeouts: StreamTimeouts,
    startedAt: number,
    push: (response: ProcessingResponse) => void,
    private readonly logger: Logger,
    private readonly onEnd: (status: number, body: string) => void,
  ) {
    this.stream = new ResponseStream('duplex', { timeouts, startedAt, onTimeout: (timeout) => push(this.timedOut(timeout)) });
  }

  /** The override that puts the response in FULL_DUPLEX_STREAMED mode. */
  modeOverride(base: ProcessingMode): ProcessingMode {
    return { ...base, ...streamModeOverride('duplex') };
  }

  /** One chunk, passed on (or the end of the stream, when a timer fired before the first chunk). */
  responseBody(message: HttpBody__Output | undefined): ProcessingResponse | undefined {
    if (this.stream.ended) return undefined;
    const expired = this.stream.arrived();
    if (expired) return this.timedOut(expired);
    return this.stream.body(message?.body ?? Buffer.alloc(0), message?.end_of_stream === true);
  }

  /** The gRPC stream ended: no timer may fire any more. */
  close(): void {
    this.stream.end();
  }

  private timedOut(timeout: StreamTimeout): ProcessingResponse {
    this.logger.warn('stream ended by a timeout', { rule: this.rule, timeout: timeout.field, ms: timeout.ms });
    const body = gatewayErrorBody(new GatewayError('UPSTREAM_FAILURE', 504, timeoutMessage(timeout, `the backend of rule ${this.rule}`)), this.clientAPI);
    this.onEnd(504, body);
    return this.stream.fail(this.clientAPI, body);
  }
}
