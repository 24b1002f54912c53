import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseDataLines } from './sse-data-lines.js';

test('joins lines split across chunks and accepts data: with or without a space', () => {
  const lines = new SseDataLines();
  assert.deepEqual(lines.push('data: {"a"'), []);
  assert.deepEqual(lines.push(':1}\n\ndata:{"b":2}\r\n\nevent: x\n'), ['{"a":1}', '{"b":2}']);
  assert.deepEqual(lines.push('data: [DONE]'), []);
  assert.deepEqual(lines.flush(), ['[DONE]']);
});

test('handles multi-byte characters split across chunks', () => {
  const lines = new SseDataLines();
  const bytes = Buffer.from('data: "héllo"\n');
  const cut = bytes.indexOf(0xc3) + 1;
  // A chunk boundary inside a UTF-8 sequence must not corrupt the line once complete.
  const first = lines.push(bytes.subarray(0, cut));
  const second = lines.push(bytes.subarray(cut));
  assert.deepEqual([...first, ...second], ['"héllo"']);
});
