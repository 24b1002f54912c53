import { isRecord } from '../../common/json-guards.js';

const LF = 0x0a;
const CR = 0x0d;
const DATA_PREFIX = Buffer.from('data:');
const USAGE_KEY = Buffer.from('"usage"');

/**
 * Takes OpenAI's usage chunk (`choices: []` with `usage`, the last event before `[DONE]`) out of
 * a pass-through stream whose `stream_options.include_usage` the gateway added for its own
 * accounting. OpenAI's contract is that a client that did not ask gets no such chunk, and code
 * that reads `choices[0]` of every chunk breaks on it. The gateway still reads the usage: this
 * only changes what is forwarded. Works on whole lines (as `SseReader` hands them over); the
 * blank line that ends a dropped event goes with it, also when it comes in a later chunk.
 * @see https://platform.openai.com/docs/api-reference/chat/create#chat-create-stream_options
 */
export class UsageChunkFilter {
  /** The last line seen was a dropped usage event: its ending blank line goes too. */
  private dropping = false;
  /** The last line ended with CR: an LF first in the next call ends that same line. */
  private afterCR = false;

  /** The lines to forward: `lines` itself when nothing was dropped. */
  filter(lines: Buffer): Buffer {
    const kept: Buffer[] = [];
    let changed = false;
    let start = 0;
    if (this.afterCR && lines[0] === LF) {
      // The rest of a CRLF split across calls belongs to the line before it.
      start = 1;
      if (this.dropping) changed = true;
      else kept.push(lines.subarray(0, 1));
    }
    this.afterCR = false;
    while (start < lines.length) {
      const { end, next } = lineAt(lines, start);
      const line = lines.subarray(start, end);
      if (this.dropping && line.length === 0) {
        this.dropping = false;
        changed = true;
      } else if (isUsageChunkLine(line)) {
        this.dropping = true;
        changed = true;
      } else {
        this.dropping = false;
        kept.push(lines.subarray(start, next));
      }
      this.afterCR = next > end && lines[next - 1] === CR;
      start = next;
    }
    return changed ? Buffer.concat(kept) : lines;
  }
}

/** The line starting at `start`: where its content ends and where the next line starts. */
function lineAt(buffer: Buffer, start: number): { end: number; next: number } {
  for (let at = start; at < buffer.length; at++) {
    const byte = buffer[at];
    if (byte === LF) return { end: at, next: at + 1 };
    if (byte === CR) return { end: at, next: buffer[at + 1] === LF ? at + 2 : at + 1 };
  }
  return { end: buffer.length, next: buffer.length };
}

/** A `data:` line whose payload is a chunk with no choices and a usage object. */
function isUsageChunkLine(line: Buffer): boolean {
  if (line.length < DATA_PREFIX.length || line.compare(DATA_PREFIX, 0, DATA_PREFIX.length, 0, DATA_PREFIX.length) !== 0) return false;
  // Every other chunk is told apart without parsing it.
  if (!line.includes(USAGE_KEY)) return false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(line.toString('utf8', DATA_PREFIX.length));
  } catch {
    return false;
  }
  return isRecord(parsed) && Array.isArray(parsed.choices) && parsed.choices.length === 0 && isRecord(parsed.usage);
}
