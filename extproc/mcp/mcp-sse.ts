import { StringDecoder } from 'node:string_decoder';

/** One Server-Sent Event, as MCP uses them: a JSON-RPC message in `data`, an optional `id`. */
export interface SseEvent {
  /** `event:` field; absent means `message`. */
  event?: string;
  id?: string;
  data: string;
}

/**
 * Incremental SSE parser (WHATWG event-stream rules): fields across arbitrary chunk and UTF-8
 * boundaries, CR/LF/CRLF line ends, multi-line `data`, comments. Events without data are
 * dropped, as browsers do; `retry` is ignored (the proxy does not reconnect by itself).
 */
export class SseEventParser {
  private pending = '';
  private readonly decoder = new StringDecoder('utf8');
  private data: string[] = [];
  private event: string | undefined;
  private id: string | undefined;

  push(chunk: Buffer | string): SseEvent[] {
    const text = this.pending + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const events: SseEvent[] = [];
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      // A CR at the very end may be the first half of a CRLF: wait for the next chunk.
      if (c === 13 && i === text.length - 1) break;
      this.line(text.slice(start, i), events);
      if (c === 13 && text.charCodeAt(i + 1) === 10) i++;
      start = i + 1;
    }
    this.pending = text.slice(start);
    return events;
  }

  /** Ends the stream: an event not terminated by a blank line is still delivered. */
  end(): SseEvent[] {
    const events: SseEvent[] = [];
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    if (rest) this.line(rest.endsWith('\r') ? rest.slice(0, -1) : rest, events);
    this.line('', events);
    return events;
  }

  private line(line: string, events: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0) {
        events.push({ data: this.data.join('\n'), ...(this.event ? { event: this.event } : {}), ...(this.id !== undefined ? { id: this.id } : {}) });
      }
      this.data = [];
      this.event = undefined;
      this.id = undefined;
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    switch (field) {
      case 'data':
        this.data.push(value);
        break;
      case 'event':
        this.event = value;
        break;
      case 'id':
        // The spec ignores ids containing NUL.
        if (!value.includes('\0')) this.id = value;
        break;
    }
  }
}

/** Serialises one event. `data` must be single-line JSON (JSON.stringify never emits newlines). */
export function formatSseEvent(data: string, id?: string): string {
  return `event: message\n${id ? `id: ${id}\n` : ''}data: ${data}\n\n`;
}
