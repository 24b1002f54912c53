import { StringDecoder } from 'node:string_decoder';

/**
 * Splits an SSE byte stream into the payloads of its `data:` lines, across arbitrary chunk
 * boundaries. Only what the gateway needs to observe is decoded; the bytes themselves are
 * forwarded untouched by the caller.
 */
export class SseDataLines {
  private pending = '';
  // Chunk boundaries can split a UTF-8 sequence; the decoder carries the partial bytes over.
  private readonly decoder = new StringDecoder('utf8');

  /** Feeds one chunk and returns the complete `data:` payloads it finished. */
  push(chunk: Buffer | string): string[] {
    const text = this.pending + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const lastNewline = text.lastIndexOf('\n');
    if (lastNewline === -1) {
      this.pending = text;
      return [];
    }
    this.pending = text.slice(lastNewline + 1);
    return extractData(text.slice(0, lastNewline));
  }

  /** Returns a final unterminated line, if any (a stream may end without a newline). */
  flush(): string[] {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    return rest ? extractData(rest) : [];
  }
}

function extractData(block: string): string[] {
  const payloads: string[] = [];
  for (const rawLine of block.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    if (!line.startsWith('data:')) continue;
    // Providers send both "data: x" and "data:x" (the SSE spec strips one optional space).
    payloads.push(line.charCodeAt(5) === 32 ? line.slice(6) : line.slice(5));
  }
  return payloads;
}
