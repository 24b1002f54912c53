import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatSseEvent, SseEventParser } from './mcp-sse.js';

test('parses events across chunk boundaries, CRLF and multi-line data', () => {
  const parser = new SseEventParser();
  assert.deepEqual(parser.push('event: message\r\nid: 7\r\ndata: {"a"'), []);
  assert.deepEqual(parser.push(':1}\r'), []);
  assert.deepEqual(parser.push('\n\r\n: comment\ndata:x\ndata: y\n\n'), [
    { event: 'message', id: '7', data: '{"a":1}' },
    { data: 'x\ny' },
  ]);
  assert.deepEqual(parser.push('id: only-id\n\n'), []);
  assert.deepEqual(parser.push('data: tail'), []);
  assert.deepEqual(parser.end(), [{ data: 'tail' }]);
});

test('handles a UTF-8 character split across chunks', () => {
  const parser = new SseEventParser();
  const bytes = Buffer.from('data: "héllo"\n\n');
  const cut = bytes.indexOf(0xc3) + 1;
  assert.deepEqual([...parser.push(bytes.subarray(0, cut)), ...parser.push(bytes.subarray(cut))], [{ data: '"héllo"' }]);
});

test('formats message events', () => {
  assert.equal(formatSseEvent('{}', 'abc'), 'event: message\nid: abc\ndata: {}\n\n');
  assert.equal(formatSseEvent('{}'), 'event: message\ndata: {}\n\n');
});
