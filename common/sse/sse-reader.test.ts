import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSseEvents, SseReader, type SseEvent } from './sse-reader.js';
import { isAigwError } from '../errors.js';
import { STREAM_LIMITS } from './stream-limits.js';

/** A stream-limit error (UPSTREAM) naming `limit`: the message is all the client gets. */
const overLimit =
  (limit: string) =>
  (error: unknown): boolean =>
    isAigwError(error, 'UPSTREAM') && error.message.startsWith(`the provider sent an ${limit} of more than `);

/** Feeds `input` in the given pieces; returns the events and the bytes released as lines. */
function read(pieces: Buffer[], reader = new SseReader()): { events: SseEvent[]; data: string[]; forwarded: Buffer } {
  const events: SseEvent[] = [];
  const forwarded: Buffer[] = [];
  for (const piece of pieces) {
    const chunk = reader.push(piece);
    events.push(...chunk.events);
    forwarded.push(...chunk.lines);
  }
  const last = reader.end();
  events.push(...last.events);
  forwarded.push(...last.lines);
  return { events, data: events.map((event) => event.data), forwarded: Buffer.concat(forwarded) };
}

const STREAM = Buffer.from(
  [
    '\uFEFF: keep-alive',
    'event: message_start',
    'data: {"type":"message_start","text":"héllo ✓ 😀"}',
    '',
    'data:{"no":"space"}',
    'data: second line of the same event',
    '',
    'id: 7',
    'retry: 2500',
    'data: [DONE]',
    '',
    '',
  ].join('\n'),
);
const EXPECTED: SseEvent[] = [
  { event: 'message_start', data: '{"type":"message_start","text":"héllo ✓ 😀"}' },
  { data: '{"no":"space"}\nsecond line of the same event' },
  { id: '7', data: '[DONE]' },
];

test('every split point of the stream, with LF, CRLF and CR, gives the same events, and every byte is released once', () => {
  for (const terminator of ['\n', '\r\n', '\r']) {
    const input = Buffer.from(STREAM.toString('utf8').replaceAll('\n', terminator));
    for (let cut = 0; cut <= input.length; cut++) {
      const reader = new SseReader();
      const { events, forwarded } = read([input.subarray(0, cut), input.subarray(cut)], reader);
      assert.deepEqual(events, EXPECTED, `terminator ${JSON.stringify(terminator)}, cut at ${cut}`);
      assert.ok(forwarded.equals(input), `cut at ${cut}: the released bytes are the input`);
      assert.equal(reader.retryMs, 2500);
    }
  }
});

test('byte-by-byte chunks, with mixed terminators; a BOM split across chunks is still skipped', () => {
  const input = Buffer.from('\uFEFFdata: a\r\n\r\ndata: b\r\rdata: c\n\r\ndata: d');
  const { data, forwarded } = read([...input].map((byte) => Buffer.from([byte])));
  assert.deepEqual(data, ['a', 'b', 'c', 'd']);
  assert.ok(forwarded.equals(input));
});

test('a CR at a chunk end ends its line at once and pairs with an LF first in the next chunk', () => {
  const reader = new SseReader();
  const first = reader.push(Buffer.from('data: {"a":1}\r'));
  assert.deepEqual(first.events, []);
  assert.equal(Buffer.concat(first.lines).toString(), 'data: {"a":1}\r');
  const second = reader.push(Buffer.from('\n\r'));
  assert.deepEqual(second.events, [{ data: '{"a":1}' }], 'the LF completes the CRLF; the CR after it is the blank line');
  const third = reader.push(Buffer.from('\ndata: {"b"'));
  assert.deepEqual(third.events, [], 'the LF after a chunk-final CR is not a second blank line');
  assert.equal(Buffer.concat(third.lines).toString(), '\n', 'the unfinished line is not released');
  const fourth = reader.push(Buffer.from(':2}\n\n'));
  assert.deepEqual(fourth.events, [{ data: '{"b":2}' }]);
  assert.equal(Buffer.concat(fourth.lines).toString(), 'data: {"b":2}\n\n');
});

test('field rules: optional single space, no colon, comments, unknown fields, empty data, event reset, ids and NUL', () => {
  const events = parseSseEvents(
    [
      'data:  two spaces keep one',
      '',
      ':comment with data: inside',
      'data',
      '',
      'data:',
      'data:',
      '',
      'event: custom',
      'unknown: field',
      'Data: not data (field names are case-sensitive)',
      'data: typed',
      '',
      'data: type reset after dispatch',
      'id: 1',
      '',
      'data: id persists',
      '',
      'id: x\0y',
      'data: NUL id ignored',
      '',
      'id',
      'data: empty id clears it',
      '',
      'event: no data, nothing dispatched',
      '',
      'retry: 12a',
      'data: trailing data without a blank line',
    ].join('\n'),
  );
  assert.deepEqual(events, [
    { data: ' two spaces keep one' },
    { data: '' },
    { data: '\n' },
    { event: 'custom', data: 'typed' },
    { id: '1', data: 'type reset after dispatch' },
    { data: 'id persists' },
    { data: 'NUL id ignored' },
    { id: '', data: 'empty id clears it' },
    { data: 'trailing data without a blank line' },
  ]);
});

test('retry: only ASCII digits set the reconnection time', () => {
  const reader = new SseReader();
  reader.push(Buffer.from('retry: 100\nretry: 1e3\nretry: -5\n'));
  assert.equal(reader.retryMs, 100);
  reader.push(Buffer.from('retry:300\n'));
  assert.equal(reader.retryMs, 300);
});

test('a BOM only counts at the very start of the stream', () => {
  assert.deepEqual(parseSseEvents('\uFEFFdata: x\n\n\uFEFFdata: y\n\n'), [{ data: 'x' }]);
});

test('a UTF-8 character split across chunks is decoded whole', () => {
  const bytes = Buffer.from('data: "héllo 😀"\n\n');
  for (let cut = 0; cut <= bytes.length; cut++) {
    assert.deepEqual(read([bytes.subarray(0, cut), bytes.subarray(cut)]).data, ['"héllo 😀"'], `cut at ${cut}`);
  }
});

test('a line over the line limit is refused as soon as the held part passes it', () => {
  const reader = new SseReader({ sseLineBytes: 100, sseEventBytes: 1000 });
  reader.push(Buffer.from(`data: ${'x'.repeat(60)}`));
  assert.throws(
    () => reader.push(Buffer.from('x'.repeat(60))),
    (error: unknown) => overLimit('SSE line')(error) && /more than 100 bytes/.test((error as Error).message),
  );
  // A complete line over the limit within one chunk is refused too.
  assert.throws(() => new SseReader({ sseLineBytes: 10, sseEventBytes: 1000 }).push(Buffer.from('data: 0123456789\n')), overLimit('SSE line'));
});

test('the data lines of one event together may not pass the event limit; a blank line starts a new count', () => {
  const limits = { sseLineBytes: 100, sseEventBytes: 10 };
  assert.deepEqual(read([Buffer.from('data: 12345\n\ndata: 12345\n\n')], new SseReader(limits)).data, ['12345', '12345']);
  // The whole first line is handed over; the error comes with the next call.
  const reader = new SseReader(limits);
  const chunk = reader.push(Buffer.from('data: 12345\ndata: 123456\n'));
  assert.deepEqual(chunk.events, []);
  assert.equal(Buffer.concat(chunk.lines).toString(), 'data: 12345\n');
  assert.throws(
    () => reader.end(),
    overLimit('SSE event'),
  );
});

test('a 30 MB line in 16 KiB chunks costs time linear in what is read, and stops at the limit', () => {
  const reader = new SseReader();
  const chunk = Buffer.alloc(16 * 1024, 'x');
  reader.push(Buffer.from('data: {"choices":[{"delta":{"content":"'));
  let refusedAt = 0;
  const pushes: number[] = [];
  for (let sent = 0; sent < 30 * 1024 * 1024; sent += chunk.length) {
    const before = performance.now();
    try {
      reader.push(chunk);
    } catch (error) {
      assert.ok(overLimit('SSE line')(error), String(error));
      refusedAt = sent;
      break;
    }
    pushes.push(performance.now() - before);
  }
  assert.ok(refusedAt > 7 * 1024 * 1024 && refusedAt <= 8 * 1024 * 1024, `refused after ${refusedAt} bytes`);
  // Quadratic re-scanning of the held line would make each late push cost ~10 ms (the whole held
  // line again). Medians, not a total or a maximum: a GC pause or a busy CI machine moves single
  // pushes and the sum, not the typical late push.
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const early = median(pushes.slice(0, 64));
  const late = median(pushes.slice(-64));
  assert.ok(late < 2, `a late push took ${late.toFixed(2)} ms (median; early ones ${early.toFixed(2)} ms)`);
});

test('a limit exceeded after whole lines of the same chunk: those lines come first, the error with the next push', () => {
  const reader = new SseReader({ ...STREAM_LIMITS, sseLineBytes: 64 });
  const first = reader.push(Buffer.from(`data: {"a":1}\n\ndata: ${'x'.repeat(100)}`));
  assert.deepEqual(first.events, [{ data: '{"a":1}' }]);
  assert.equal(Buffer.concat(first.lines).toString(), 'data: {"a":1}\n\n');
  assert.throws(() => reader.push(Buffer.from('more')), overLimit('SSE line'));
  assert.throws(() => reader.end(), overLimit('SSE line'));
  // Nothing whole before it: raised at once.
  assert.throws(() => new SseReader({ ...STREAM_LIMITS, sseLineBytes: 64 }).push(Buffer.from(`data: ${'x'.repeat(100)}`)), overLimit('SSE line'));
});

test('the last event ID persists across events until an id line changes it', () => {
  const reader = new SseReader();
  reader.push(Buffer.from('id: 5\ndata: a\n\ndata: b\n\n'));
  assert.equal(reader.lastEventId, '5');
  reader.push(Buffer.from('id: x\0\ndata: c\n\n'));
  assert.equal(reader.lastEventId, '5', 'an id with NUL is ignored');
  reader.push(Buffer.from('id\n\n'));
  assert.equal(reader.lastEventId, '', 'an empty id resets it, even in an event without data');
});
