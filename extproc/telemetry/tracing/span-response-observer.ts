import { createContentDecoder, type ContentDecoder } from '../../request/content-decoder.js';
import { pickHeaders } from '../../server/envoy-messages.js';
import { ROUTER_PROCESSING_MODE } from '../../../contract/filter-config.js';
import type { HttpBody__Output } from '../../generated/envoy/service/ext_proc/v3/HttpBody.js';
import type { HttpHeaders__Output } from '../../generated/envoy/service/ext_proc/v3/HttpHeaders.js';
import type { ProcessingResponse } from '../../generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import type { RequestSpan } from './request-span.js';

/**
 * Feeds a span from the router filter for requests whose backend exchange runs in the upstream
 * filter (fallback rules): by the time the response reaches the router it is already in the
 * client's API shape, so the router only watches it, changing nothing.
 */
export class SpanResponseObserver {
  private status = 0;
  private streaming = false;
  private decoder: ContentDecoder | undefined;
  private readonly errorChunks: Buffer[] = [];

  constructor(private readonly span: RequestSpan) {}

  responseHeaders(message: HttpHeaders__Output | undefined): ProcessingResponse {
    const headers = pickHeaders(message, [':status', 'content-encoding', 'content-type']);
    this.status = Number(headers[':status'] ?? '0');
    this.decoder = createContentDecoder(headers['content-encoding']);
    this.streaming = this.isSuccess() && (headers['content-type'] ?? '').includes('text/event-stream');
    if (message?.end_of_stream) {
      this.finish(Buffer.alloc(0));
      return { response_headers: { response: {} }, mode_override: { ...ROUTER_PROCESSING_MODE, response_body_mode: 'NONE' } };
    }
    return {
      response_headers: { response: {} },
      // Streams are watched chunk by chunk so the client gets each one without delay.
      ...(this.streaming ? { mode_override: { ...ROUTER_PROCESSING_MODE, response_body_mode: 'STREAMED' } } : {}),
    };
  }

  async responseBody(message: HttpBody__Output | undefined): Promise<ProcessingResponse> {
    const chunk = message?.body ?? Buffer.alloc(0);
    const endOfStream = message?.end_of_stream === true || !this.streaming;
    const decoded = this.decoder ? await this.decoder.decode(chunk, endOfStream) : chunk;
    if (this.isSuccess()) this.span.responseChunk(decoded, this.streaming);
    else this.errorChunks.push(decoded);
    if (endOfStream) this.finish(Buffer.concat(this.errorChunks));
    return { response_body: { response: {} } };
  }

  private finish(errorBody: Buffer): void {
    if (this.isSuccess()) this.span.endSuccess();
    else this.span.endError(this.status, errorBody.toString('utf8'));
  }

  private isSuccess(): boolean {
    return this.status >= 200 && this.status < 300;
  }
}
