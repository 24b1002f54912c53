import { AigwError } from '../errors.js';

/**
 * How much of one provider event the gateway holds before it gives up on the stream. Providers'
 * events are small (a text delta is well under 1 KiB; a large tool call or an inline image a few
 * MiB at most), so these are far above anything legitimate, and low enough that the ext_proc
 * never holds (or JSON-parses) a runaway line: a provider that sends one endless line would
 * otherwise grow the buffer without bound and stall every other request on the event loop.
 */
export const STREAM_LIMITS = {
  /** One SSE line, up to its line terminator (`\n`, `\r\n` or `\r`). */
  sseLineBytes: 8 * 1024 * 1024,
  /** The `data:` lines of one SSE event together (up to the blank line that ends it). */
  sseEventBytes: 8 * 1024 * 1024,
  /** One AWS event-stream frame (its length prefix says how big it is before it arrives). */
  awsFrameBytes: 8 * 1024 * 1024,
} as const;

export type StreamLimits = { readonly [K in keyof typeof STREAM_LIMITS]: number };

/** Which limit a stream went over, in the words the client's error message uses. */
export type StreamLimitName = 'SSE line' | 'SSE event' | 'AWS event-stream frame';

/**
 * A provider stream went over one of the gateway's limits: the stream cannot be read any
 * further. An UPSTREAM AigwError (a remote party misbehaved) whose message names the limit, its
 * size and how many bytes the offending line, event or frame had reached (or declared) when it
 * was refused, for the error event the client gets. No subclass: nothing reads those numbers but
 * the message.
 */
export function streamLimitError(limit: StreamLimitName, limitBytes: number, seenBytes: number): AigwError {
  return new AigwError('UPSTREAM', `the provider sent an ${limit} of more than ${formatMiB(limitBytes)}, the gateway's limit (${seenBytes} bytes seen)`);
}

/** `8 MiB`, or the exact byte count when it is not a whole number of MiB. */
function formatMiB(bytes: number): string {
  const mib = bytes / (1024 * 1024);
  return Number.isInteger(mib) ? `${mib} MiB` : `${bytes} bytes`;
}
