import { STREAM_LIMITS, StreamLimitError, type StreamLimits } from './stream-limits.js';

/** What one chunk of an SSE stream completed. */
export interface SseChunk {
  /** The payloads of the `data:` lines it completed, in order. */
  data: string[];
  /**
   * The raw bytes of the lines it completed, terminators included, as they came (pieces held
   * from earlier chunks first). Forwarding these instead of the chunk holds back an unfinished
   * line, so that what the client has is always whole lines.
   */
  lines: Buffer[];
}

const LF = 0x0a;
const CR = 0x0d;
/** `data:` */
const DATA_PREFIX = Buffer.from('data:');
const SPACE = 0x20;

/**
 * Splits an SSE byte stream into lines across arbitrary chunk boundaries (`\n`, `\r\n` and `\r`
 * end a line, as the SSE spec says) and returns the payloads of its `data:` lines. Incremental:
 * each push scans only the new bytes, and a line that spans chunks is joined once, when it ends,
 * so a long line costs time linear in its length. An unfinished line is held as the chunks it
 * came in, up to `limits.sseLineBytes`; beyond that, or when the data of one event outgrows
 * `limits.sseEventBytes`, push throws a StreamLimitError and the stream cannot be read further.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export class SseLineReader {
  /** The unfinished line, as the pieces of the chunks it arrived in. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The last chunk ended with a CR that ended a line: an LF first in the next chunk belongs to it. */
  private afterCR = false;
  /** Bytes of `data:` payload in the event so far (reset by the blank line that ends it). */
  private eventDataBytes = 0;
  /** A limit was exceeded after earlier lines of the same chunk completed: raised on the next call. */
  private failure: StreamLimitError | undefined;

  constructor(private readonly limits: StreamLimits = STREAM_LIMITS) {}

  /**
   * Feeds one chunk. @throws StreamLimitError when a line or an event outgrows its limit. When
   * lines of the same chunk completed before that, they are returned first (the client gets every
   * whole event the provider sent) and the error is raised by the next push or end.
   */
  push(chunk: Buffer): SseChunk {
    if (this.failure) throw this.failure;
    const data: string[] = [];
    let position = 0;
    if (this.afterCR && chunk.length > 0) {
      this.afterCR = false;
      if (chunk[0] === LF) position = 1;
    }
    /** The pieces held from earlier chunks, once the line they began has ended here. */
    let held: Buffer[] = [];
    /** The end of the last line completed in this chunk. */
    let lineStart = position;
    let nextCR = chunk.indexOf(CR, position);
    let nextLF = chunk.indexOf(LF, position);
    try {
      while (nextCR !== -1 || nextLF !== -1) {
        // The first terminator; each index is searched again only once it has been passed, so a
        // chunk is scanned at most twice however many lines it holds.
        const end = nextCR === -1 ? nextLF : nextLF === -1 ? nextCR : Math.min(nextCR, nextLF);
        let after = end + 1;
        if (chunk[end] === CR) {
          if (after === chunk.length) this.afterCR = true;
          else if (chunk[after] === LF) after += 1;
        }
        this.checkLine(this.pendingBytes + end - lineStart);
        if (this.pending.length > 0) {
          // The one line that began in an earlier chunk: joined once, now that it is complete.
          const pieces = this.pending;
          const line = Buffer.concat([...pieces, chunk.subarray(lineStart, end)]);
          this.line(line, 0, line.length, data);
          held = pieces;
          this.pending = [];
          this.pendingBytes = 0;
        } else {
          this.line(chunk, lineStart, end, data);
        }
        lineStart = after;
        if (nextCR !== -1 && nextCR < after) nextCR = chunk.indexOf(CR, after);
        if (nextLF !== -1 && nextLF < after) nextLF = chunk.indexOf(LF, after);
      }
      if (lineStart < chunk.length) {
        this.pendingBytes += chunk.length - lineStart;
        this.checkLine(this.pendingBytes);
        this.pending.push(chunk.subarray(lineStart));
      }
    } catch (error) {
      // Nothing completed before the limit: raise it now; else hand over what did, raise it next.
      if (!(error instanceof StreamLimitError) || (lineStart === position && held.length === 0)) throw error;
      this.failure = error;
    }
    return { data, lines: lineStart > 0 ? [...held, chunk.subarray(0, lineStart)] : held };
  }

  /** The end of the stream: an unterminated last line counts as a line (providers may omit the final newline). */
  end(): SseChunk {
    if (this.failure) throw this.failure;
    const data: string[] = [];
    const lines = this.pending;
    if (lines.length === 0) return { data, lines };
    const line = Buffer.concat(lines);
    this.pending = [];
    this.pendingBytes = 0;
    this.line(line, 0, line.length, data);
    return { data, lines };
  }

  /** One complete line, `buffer[start, end)` without its terminator. */
  private line(buffer: Buffer, start: number, end: number, data: string[]): void {
    if (start === end) {
      this.eventDataBytes = 0; // A blank line ends the event.
      return;
    }
    if (end - start < DATA_PREFIX.length || buffer.compare(DATA_PREFIX, 0, DATA_PREFIX.length, start, start + DATA_PREFIX.length) !== 0) return;
    // Providers send both "data: x" and "data:x" (the spec strips one optional space).
    let from = start + DATA_PREFIX.length;
    if (buffer[from] === SPACE) from += 1;
    this.eventDataBytes += end - from;
    if (this.eventDataBytes > this.limits.sseEventBytes) throw new StreamLimitError('SSE event', this.limits.sseEventBytes, this.eventDataBytes);
    data.push(buffer.toString('utf8', from, end));
  }

  private checkLine(bytes: number): void {
    if (bytes > this.limits.sseLineBytes) throw new StreamLimitError('SSE line', this.limits.sseLineBytes, bytes);
  }
}
