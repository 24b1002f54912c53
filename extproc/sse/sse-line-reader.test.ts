import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseLineReader } from './sse-line-reader.js';
import { STREAM_LIMITS, StreamLimitError } from './stream-limits.js';

/** Feeds `input` in the given pieces; returns the data payloads and the bytes released as lines. */
function read(pieces: Buffer[], reader = new SseLineReader()): { data: string[]; forwarded: Buffer } {
  const data: string[] = [];
  const forwarded: Buffer[] = [];
  for (const piece of pieces) {
    const chunk = reader.push(piece);
    data.push(...chunk.data);
    forwarded.push(...chunk.lines);
  }
  const last = reader.end();
  data.push(...last.data);
  forwarded.push(...last.lines);
  return { data, forwarded: Buffer.concat(forwarded) };
}

const STREAM = Buffer.from(
  [
    ': keep-alive',
    'event: message_start',
    'data: {"type":"message_start","text":"héllo ✓ 😀"}',
    '',
    'data:{"no":"space"}',
    'data: second line of the same event',
    '',
    'id: 7',
    'data: [DONE]',
    '',
    '',
  ].join('\n'),
);
const EXPECTED = ['{"type":"message_start","text":"héllo ✓ 😀"}', '{"no":"space"}', 'second line of the same event', '[DONE]'];

test('every split point of the stream gives the same payloads, and every byte is released once', () => {
  for (const terminator of ['\n', '\r\n', '\r']) {
    const input = Buffer.from(STREAM.toString('utf8').replaceAll('\n', terminator));
    for (let cut = 0; cut <= input.length; cut++) {
      const { data, forwarded } = read([input.subarray(0, cut), input.subarray(cut)]);
      assert.deepEqual(data, EXPECTED, `terminator ${JSON.stringify(terminator)}, cut at ${cut}`);
      assert.ok(forwarded.equals(input), `cut at ${cut}: the released bytes are the input`);
    }
  }
});

test('byte-by-byte chunks, with mixed terminators', () => {
  const input = Buffer.from('data: a\r\ndata: b\rdata: c\n\r\ndata: d');
  const { data, forwarded } = read([...input].map((byte) => Buffer.from([byte])));
  assert.deepEqual(data, ['a', 'b', 'c', 'd']);
  assert.ok(forwarded.equals(input));
});

test('an unfinished line is held back until it ends; a CR at a chunk end pairs with the next LF', () => {
  const reader = new SseLineReader();
  const first = reader.push(Buffer.from('data: {"a":1}\r'));
  assert.deepEqual(first.data, ['{"a":1}']);
  assert.equal(Buffer.concat(first.lines).toString(), 'data: {"a":1}\r');
  const second = reader.push(Buffer.from('\ndata: {"b"'));
  assert.deepEqual(second.data, [], 'the LF completes the CRLF, it is not a blank line');
  assert.equal(Buffer.concat(second.lines).toString(), '\n', 'the unfinished line is not released');
  const third = reader.push(Buffer.from(':2}\n\n'));
  assert.deepEqual(third.data, ['{"b":2}']);
  assert.equal(Buffer.concat(third.lines).toString(), 'data: {"b":2}\n\n');
});

test('a line over the line limit is refused as soon as the held part passes it', () => {
  const reader = new SseLineReader({ sseLineBytes: 100, sseEventBytes: 1000, awsFrameBytes: 1000 });
  reader.push(Buffer.from(`data: ${'x'.repeat(60)}`));
  assert.throws(
    () => reader.push(Buffer.from('x'.repeat(60))),
    (error: unknown) => error instanceof StreamLimitError && error.limit === 'SSE line' && /more than 100 bytes/.test(error.message),
  );
  // A complete line over the limit within one chunk is refused too.
  assert.throws(() => new SseLineReader({ sseLineBytes: 10, sseEventBytes: 1000, awsFrameBytes: 1000 }).push(Buffer.from('data: 0123456789\n')), StreamLimitError);
});

test('the data lines of one event together may not pass the event limit; a blank line starts a new count', () => {
  const limits = { sseLineBytes: 100, sseEventBytes: 10, awsFrameBytes: 1000 };
  assert.deepEqual(read([Buffer.from('data: 12345\n\ndata: 12345\n\n')], new SseLineReader(limits)).data, ['12345', '12345']);
  // The whole first line is handed over; the error comes with the next call.
  const reader = new SseLineReader(limits);
  assert.deepEqual(reader.push(Buffer.from('data: 12345\ndata: 123456\n')).data, ['12345']);
  assert.throws(
    () => reader.end(),
    (error: unknown) => error instanceof StreamLimitError && error.limit === 'SSE event',
  );
});

test('a 30 MB line in 16 KiB chunks costs time linear in what is read, and stops at the limit', () => {
  const reader = new SseLineReader();
  const chunk = Buffer.alloc(16 * 1024, 'x');
  reader.push(Buffer.from('data: {"choices":[{"delta":{"content":"'));
  const started = performance.now();
  let refusedAt = 0;
  let slowest = 0;
  for (let sent = 0; sent < 30 * 1024 * 1024; sent += chunk.length) {
    const before = performance.now();
    try {
      reader.push(chunk);
    } catch (error) {
      assert.ok(error instanceof StreamLimitError && error.limit === 'SSE line', String(error));
      refusedAt = sent;
      break;
    }
    slowest = Math.max(slowest, performance.now() - before);
  }
  const total = performance.now() - started;
  assert.ok(refusedAt > 7 * 1024 * 1024 && refusedAt <= 8 * 1024 * 1024, `refused after ${refusedAt} bytes`);
  // Quadratic re-scanning of the held line would take seconds here (and ~10 ms per late chunk).
  assert.ok(total < 250, `took ${Math.round(total)} ms`);
  assert.ok(slowest < 20, `slowest push took ${slowest.toFixed(1)} ms`);
});

test('a limit exceeded after whole lines of the same chunk: those lines come first, the error with the next push', () => {
  const reader = new SseLineReader({ ...STREAM_LIMITS, sseLineBytes: 64 });
  const first = reader.push(Buffer.from(`data: {"a":1}\n\ndata: ${'x'.repeat(100)}`));
  assert.deepEqual(first.data, ['{"a":1}']);
  assert.equal(Buffer.concat(first.lines).toString(), 'data: {"a":1}\n\n');
  assert.throws(() => reader.push(Buffer.from('more')), StreamLimitError);
  assert.throws(() => reader.end(), StreamLimitError);
  // Nothing whole before it: raised at once.
  assert.throws(() => new SseLineReader({ ...STREAM_LIMITS, sseLineBytes: 64 }).push(Buffer.from(`data: ${'x'.repeat(100)}`)), StreamLimitError);
});
