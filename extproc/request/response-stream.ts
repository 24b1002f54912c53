import type { ClientAPI } from './endpoints.js';
import type { ProcessingMode } from '../generated/envoy/extensions/filters/http/ext_proc/v3/ProcessingMode.js';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import type { StreamTimeout, StreamTimeouts } from './stream-timeouts.js';
import { StreamWatchdog } from './stream-watchdog.js';

/**
 * How the ext_proc takes part in a 2xx response stream.
 *
 * `duplex` (FULL_DUPLEX_STREAMED): Envoy sends the provider's chunks without waiting for
 * answers and takes body messages whenever they come, so the ext_proc can end the stream on its
 * own timer with an error event, which one-answer-per-chunk STREAMED mode cannot. Envoy then
 * ends the client's response and resets the upstream request. Only a filter in the HTTP
 * connection manager's chain may end a stream early this way: ended from the upstream filter
 * (fallback rules), the router takes the response for complete while the provider's connection
 * goes on, and Envoy 1.38 later trips over its data ("Wrapped decoder use after free").
 *
 * `streamed` (STREAMED): one answer per chunk; an error replaces the chunk and the rest of the
 * provider's body is dropped until it ends. Used by the upstream filter, whose stream's end (and
 * timers) the router filter owns.
 */
export type StreamMode = 'duplex' | 'streamed';

/**
 * The response mode override for a stream. FULL_DUPLEX_STREAMED needs trailer mode SEND; the
 * backends are HTTP/1.1, whose trailers Envoy drops, so none come.
 */
export function streamModeOverride(mode: StreamMode): Pick<ProcessingMode, 'response_body_mode' | 'response_trailer_mode'> {
  return mode === 'duplex' ? { response_body_mode: 'FULL_DUPLEX_STREAMED', response_trailer_mode: 'SEND' } : { response_body_mode: 'STREAMED' };
}

/**
 * The ext_proc's side of one 2xx response stream: wraps the bytes to send for the stream mode,
 * runs the stream's timers (duplex mode), and ends the stream with an error event in the
 * client's format when told to (a timer, an unreadable or oversized provider event). In duplex
 * mode Envoy takes body messages only once it has sent the first chunk: a timer that fires
 * before that is kept, and the stream ends as soon as the first chunk comes (until then only
 * Envoy's own timers, a little later, can end it, with a reset).
 */
export class ResponseStream {
  private readonly watchdog: StreamWatchdog | undefined;
  /** Envoy has sent a body chunk: in duplex mode it now takes body messages at any time. */
  private started = false;
  private expiredEarly: StreamTimeout | undefined;
  /** What was sent so far ends an event (or nothing was sent): an error event can follow as is. */
  private atEventBoundary = true;
  /** The stream's end (normal or not) was sent. */
  ended = false;

  /**
   * @param timeouts the timers (duplex mode only); `onTimeout` is called once, when one fires
   *   after the first chunk and before the end.
   * @param startedAt `performance.now()` at the start of the request.
   */
  constructor(
    readonly mode: StreamMode,
    timers?: { timeouts: StreamTimeouts; startedAt: number; onTimeout: (timeout: StreamTimeout) => void },
  ) {
    if (mode !== 'duplex' || !timers) return;
    this.watchdog = new StreamWatchdog(timers.timeouts, timers.startedAt, (timeout) => {
      if (this.ended) return;
      if (this.started) timers.onTimeout(timeout);
      else this.expiredEarly = timeout;
    });
  }

  /** A chunk came from the provider. Returns the timeout that expired before the first one, if any: the stream must end now. */
  arrived(): StreamTimeout | undefined {
    this.started = true;
    this.watchdog?.activity();
    return this.expiredEarly;
  }

  /**
   * The answer carrying `bytes` in place of the chunk; in duplex mode none for nothing in the
   * middle of the stream. `unchanged`: `bytes` are the chunk as it came, which streamed mode
   * need not send back (duplex mode always does: Envoy keeps nothing).
   */
  body(bytes: Buffer, endOfStream: boolean, unchanged = false): ProcessingResponse | undefined {
    if (this.mode === 'duplex' && !endOfStream && bytes.length === 0) return undefined;
    const message = this.message(bytes, endOfStream);
    // An answer without a body mutation lets Envoy send on the chunk it holds.
    return this.mode === 'streamed' && unchanged ? { response_body: { response: {} } } : message;
  }

  /**
   * The last message of a stream that failed: `errorBody` (the error in the client API's JSON
   * shape) as an error event the client's SDK raises, after a blank line if what was sent so
   * far stopped inside an event.
   */
  fail(clientAPI: ClientAPI, errorBody: string): ProcessingResponse {
    const event = streamErrorEvent(clientAPI, errorBody);
    // In streamed mode Envoy goes on sending the provider's chunks: they are dropped (see dropped).
    const message = this.message(Buffer.from(this.atEventBoundary ? event : `\n\n${event}`), this.mode === 'duplex');
    this.end();
    return message;
  }

  /** The answer to a chunk after the stream failed: none in duplex mode (Envoy has ended the stream), an emptied chunk in streamed mode. */
  dropped(): ProcessingResponse | undefined {
    return this.mode === 'duplex' ? undefined : { response_body: { response: { body_mutation: { clear_body: true } } } };
  }

  /** The request is over (normally or not): stop the timers. */
  end(): void {
    this.ended = true;
    this.watchdog?.stop();
  }

  private message(bytes: Buffer, endOfStream: boolean): ProcessingResponse {
    if (endOfStream) this.end();
    if (bytes.length > 0) this.atEventBoundary = endsEvent(bytes);
    const body_mutation = this.mode === 'duplex' ? { streamed_response: { body: bytes, end_of_stream: endOfStream } } : { body: bytes };
    return { response_body: { response: { body_mutation } } };
  }
}

/**
 * An error as an SSE event in the client's stream format: Anthropic's `event: error`, which its
 * SDKs raise as an APIError of the error's type; for OpenAI clients a `data:` event whose JSON
 * has an `error` object, which the OpenAI SDKs raise as an APIError with its message.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming#error-events
 */
export function streamErrorEvent(clientAPI: ClientAPI, errorBody: string): string {
  return clientAPI === 'anthropic' ? `event: error\ndata: ${errorBody}\n\n` : `data: ${errorBody}\n\n`;
}

/** Whether `bytes` end with a blank line (`\n\n`, `\r\r` or `\r\n\r\n`), i.e. between events. */
function endsEvent(bytes: Buffer): boolean {
  const last = bytes[bytes.length - 1];
  const before = bytes[bytes.length - 2];
  return (last === 0x0a && (before === 0x0a || (before === 0x0d && bytes[bytes.length - 3] === 0x0a))) || (last === 0x0d && before === 0x0d);
}
