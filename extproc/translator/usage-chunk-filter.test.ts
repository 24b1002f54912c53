import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UsageChunkFilter } from './usage-chunk-filter.js';

const USAGE = 'data: {"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4}}';
const CONTENT = 'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"Hi"}}],"usage":null}';

function filtered(pieces: string[]): string {
  const filter = new UsageChunkFilter();
  return pieces.map((piece) => filter.filter(Buffer.from(piece)).toString()).join('');
}

test('the usage chunk and its blank line go; every other line stays byte for byte', () => {
  for (const eol of ['\n', '\r\n', '\r']) {
    const stream = `${CONTENT}${eol}${eol}${USAGE}${eol}${eol}data: [DONE]${eol}${eol}`;
    assert.equal(filtered([stream]), `${CONTENT}${eol}${eol}data: [DONE]${eol}${eol}`, JSON.stringify(eol));
  }
  // Nothing to drop: the same buffer comes back.
  const filter = new UsageChunkFilter();
  const untouched = Buffer.from(`${CONTENT}\n\ndata: [DONE]\n\n`);
  assert.equal(filter.filter(untouched), untouched);
});

test('lines handed over one by one, the blank line and a split CRLF in later calls', () => {
  assert.equal(filtered([`${USAGE}\r`, '\n', '\r\n', 'data: [DONE]\r\n', '\r\n']), 'data: [DONE]\r\n\r\n');
  assert.equal(filtered([`${CONTENT}\r`, '\n', '\r\n', `${USAGE}\n`, '\n']), `${CONTENT}\r\n\r\n`);
});

test('data: without a space, and a last line without its end, are read too', () => {
  assert.equal(filtered([`${USAGE.replace('data: ', 'data:')}\n\n`]), '');
  assert.equal(filtered([USAGE]), '');
});

test('chunks with choices, usage inside content, or no usage object are kept', () => {
  const kept = [
    'data: {"choices":[{"index":0,"delta":{}}],"usage":{"prompt_tokens":1}}',
    'data: {"choices":[],"usage":null}',
    'data: {"choices":[{"index":0,"delta":{"content":"\\"usage\\""}}]}',
    'data: not json "usage"',
    ': comment "usage"',
  ];
  for (const line of kept) assert.equal(filtered([`${line}\n\n`]), `${line}\n\n`, line);
});
