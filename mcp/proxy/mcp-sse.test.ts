import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseSseEvents } from '../../common/sse/sse-reader.js';
import { formatSseEvent } from './mcp-sse.js';

test('formats message events', () => {
  assert.equal(formatSseEvent('{}', 'abc'), 'event: message\nid: abc\ndata: {}\n\n');
  assert.equal(formatSseEvent('{}'), 'event: message\ndata: {}\n\n');
});

test('what it formats reads back as the same event', () => {
  assert.deepEqual(parseSseEvents(formatSseEvent('{"jsonrpc":"2.0"}', 'e1') + formatSseEvent('{}')), [
    { event: 'message', id: 'e1', data: '{"jsonrpc":"2.0"}' },
    { event: 'message', data: '{}' },
  ]);
});
