import { type AigwError, isAigwError } from '../errors.js';
import { STREAM_LIMITS, streamLimitError, type StreamLimits } from './stream-limits.js';

/** One dispatched Server-Sent Event. */
export interface SseEvent {
  /** The `data:` lines of the event, joined with `\n`. */
  data: string;
  /** The `event:` field; absent means `message`. */
  event?: string;
  /**
   * The `id:` field of this event, when it had one ('' resets the last event ID). As in
   * eventsource-parser and the MCP SDK, an event without one has none, rather than repeating the
   * last ID: a relay then re-sends the IDs it was given, no more; `SseReader.lastEventId` is the
   * ID to resume from.
   */
  id?: string;
}

/** What one chunk of an SSE stream completed. */
export interface SseChunk {
  /** The events it completed, in order. */
  events: SseEvent[];
  /**
   * The raw bytes of the lines it completed, terminators included, as they came (pieces held
   * from earlier chunks first). Forwarding these instead of the chunk holds back an unfinished
   * line, so that what the client has is always whole lines.
   */
  lines: Buffer[];
}

const LF = 0x0a;
const CR = 0x0d;
const COLON = 0x3a;
const SPACE = 0x20;
const BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const DATA = Buffer.from('data');
const EVENT = Buffer.from('event');
const ID = Buffer.from('id');
const RETRY = Buffer.from('retry');
const DIGITS = /^[0-9]+$/;

/**
 * The one SSE parser of the gateway (provider streams, MCP backends, tracing, test helpers),
 * following the WHATWG event-stream interpretation: `\n`, `\r\n` and `\r` end a line, also when a
 * CRLF is split between two chunks; a UTF-8 BOM at the start is skipped; `:` lines are comments;
 * one optional space after the colon is dropped; a line without a colon is a field with an empty
 * value; the `data:` lines of an event are joined with `\n`; `event:` names the event; `id:` sets
 * the last event ID, which persists across events (an ID containing NUL is ignored); `retry:` with only digits
 * sets `retryMs`; a blank line dispatches the event, unless it has no data.
 *
 * It works on bytes rather than text because the forwarding path hands the provider's bytes on
 * unchanged (see `SseChunk.lines`): decoding and re-encoding every streamed response would cost a
 * copy per chunk. Each push scans only the new bytes, and a line that spans chunks is joined once,
 * when it ends, so a long line costs time linear in its length (UTF-8 split across chunks is
 * decoded whole for the same reason). An unfinished line is held as the chunks it came in, up to
 * `limits.sseLineBytes`; beyond that, or when the data of one event outgrows
 * `limits.sseEventBytes`, push throws an UPSTREAM AigwError (streamLimitError) and the stream cannot be read further.
 *
 * One deliberate difference from a browser: at the end of the stream, an unterminated last line
 * still counts and an event without its closing blank line is still dispatched, because
 * providers and MCP servers do end streams that way and the client should not lose the event.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export class SseReader {
  /** The unfinished line, as the pieces of the chunks it arrived in. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** The last chunk ended with a CR that ended a line: an LF first in the next chunk belongs to it. */
  private afterCR = false;
  /** No line has been read yet: the first may begin with a BOM. */
  private atStart = true;
  /** The event being read: its data (undefined before its first `data` line), type and data size. */
  private data: string | undefined;
  private eventType: string | undefined;
  private eventDataBytes = 0;
  private eventId: string | undefined;
  private lastId = '';
  private retry: number | undefined;
  /** A limit was exceeded after earlier lines of the same chunk completed: raised on the next call. */
  private failure: AigwError | undefined;

  constructor(private readonly limits: Pick<StreamLimits, 'sseLineBytes' | 'sseEventBytes'> = STREAM_LIMITS) {}

  /** The ID a reconnecting client would send as `Last-Event-ID` ('' for none). */
  get lastEventId(): string {
    return this.lastId;
  }

  /** The reconnection time the stream asked for with `retry:`, if any. */
  get retryMs(): number | undefined {
    return this.retry;
  }

  /**
   * Feeds one chunk. @throws an UPSTREAM AigwError (streamLimitError) when a line or an event outgrows its limit. When
   * lines of the same chunk completed before that, they are returned first (the client gets every
   * whole event the provider sent) and the error is raised by the next push or end.
   */
  push(chunk: Buffer): SseChunk {
    if (this.failure) throw this.failure;
    const events: SseEvent[] = [];
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
          // A CR last in the chunk ends its line now (no waiting for the next chunk, which may
          // be seconds away); an LF that then comes first is skipped as its second half.
          if (after === chunk.length) this.afterCR = true;
          else if (chunk[after] === LF) after += 1;
        }
        this.checkLine(this.pendingBytes + end - lineStart);
        if (this.pending.length > 0) {
          // The one line that began in an earlier chunk: joined once, now that it is complete.
          const pieces = this.pending;
          const line = Buffer.concat([...pieces, chunk.subarray(lineStart, end)]);
          this.line(line, 0, line.length, events);
          held = pieces;
          this.pending = [];
          this.pendingBytes = 0;
        } else {
          this.line(chunk, lineStart, end, events);
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
      // (The limit errors are the only AigwErrors this reader throws.)
      if (!isAigwError(error, 'UPSTREAM') || (lineStart === position && held.length === 0)) throw error;
      this.failure = error;
    }
    return { events, lines: lineStart > 0 ? [...held, chunk.subarray(0, lineStart)] : held };
  }

  /** The end of the stream: an unterminated last line counts, and an event it leaves open is dispatched. */
  end(): SseChunk {
    if (this.failure) throw this.failure;
    const events: SseEvent[] = [];
    const lines = this.pending;
    if (lines.length > 0) {
      const line = Buffer.concat(lines);
      this.pending = [];
      this.pendingBytes = 0;
      this.line(line, 0, line.length, events);
    }
    this.dispatch(events);
    return { events, lines };
  }

  /** One complete line, `buffer[start, end)` without its terminator. */
  private line(buffer: Buffer, start: number, end: number, events: SseEvent[]): void {
    if (this.atStart) {
      this.atStart = false;
      if (end - start >= BOM.length && buffer.compare(BOM, 0, BOM.length, start, start + BOM.length) === 0) start += BOM.length;
    }
    if (start === end) return this.dispatch(events);
    // The common line first: `data:` (providers send both "data: x" and "data:x").
    let value = fieldValue(buffer, start, end, DATA);
    if (value !== -1) {
      this.eventDataBytes += end - value;
      if (this.eventDataBytes > this.limits.sseEventBytes) throw streamLimitError('SSE event', this.limits.sseEventBytes, this.eventDataBytes);
      const text = buffer.toString('utf8', value, end);
      this.data = this.data === undefined ? text : `${this.data}\n${text}`;
      return;
    }
    if (buffer[start] === COLON) return; // A comment (keep-alives).
    if ((value = fieldValue(buffer, start, end, EVENT)) !== -1) {
      this.eventType = buffer.toString('utf8', value, end);
    } else if ((value = fieldValue(buffer, start, end, ID)) !== -1) {
      const id = buffer.toString('utf8', value, end);
      if (!id.includes('\0')) this.eventId = this.lastId = id;
    } else if ((value = fieldValue(buffer, start, end, RETRY)) !== -1) {
      const retry = buffer.toString('latin1', value, end);
      if (DIGITS.test(retry)) this.retry = Number(retry);
    }
    // Any other field is ignored, as the spec says.
  }

  /** A blank line (or the end of the stream): the event read so far, when it has data. */
  private dispatch(events: SseEvent[]): void {
    if (this.data !== undefined) {
      const event: SseEvent = { data: this.data };
      if (this.eventType) event.event = this.eventType;
      if (this.eventId !== undefined) event.id = this.eventId;
      events.push(event);
    }
    this.data = undefined;
    this.eventType = undefined;
    this.eventId = undefined;
    this.eventDataBytes = 0;
  }

  private checkLine(bytes: number): void {
    if (bytes > this.limits.sseLineBytes) throw streamLimitError('SSE line', this.limits.sseLineBytes, bytes);
  }
}

/**
 * Where the value of `buffer[start, end)` begins when the line's field is `name` (the field is
 * everything before the first colon, or the whole line: an empty value), or -1.
 */
function fieldValue(buffer: Buffer, start: number, end: number, name: Buffer): number {
  const nameEnd = start + name.length;
  if (nameEnd > end || buffer.compare(name, 0, name.length, start, nameEnd) !== 0) return -1;
  if (nameEnd === end) return end;
  if (buffer[nameEnd] !== COLON) return -1;
  return nameEnd + 1 < end && buffer[nameEnd + 1] === SPACE ? nameEnd + 2 : nameEnd + 1;
}

/** Every event of a whole SSE body (tests, recorded fixtures). */
export function parseSseEvents(body: Buffer | string): SseEvent[] {
  const reader = new SseReader({ sseLineBytes: Number.MAX_SAFE_INTEGER, sseEventBytes: Number.MAX_SAFE_INTEGER });
  return [...reader.push(typeof body === 'string' ? Buffer.from(body) : body).events, ...reader.end().events];
}
