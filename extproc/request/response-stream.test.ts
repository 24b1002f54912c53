import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import { ResponseStream, streamModeOverride } from './response-stream.js';

function text(response: ProcessingResponse | undefined): string {
  const mutation = response?.response_body?.response?.body_mutation;
  return Buffer.from(mutation?.streamed_response?.body ?? mutation?.body ?? '').toString();
}

test('duplex mode: bytes go back as streamed_response; nothing is sent for nothing mid-stream', () => {
  assert.deepEqual(streamModeOverride('duplex'), { response_body_mode: 'FULL_DUPLEX_STREAMED', response_trailer_mode: 'SEND' });
  const stream = new ResponseStream('duplex');
  assert.deepEqual(stream.body(Buffer.from('data: 1\n\n'), false)?.response_body?.response?.body_mutation?.streamed_response, { body: Buffer.from('data: 1\n\n'), end_of_stream: false });
  assert.equal(stream.body(Buffer.alloc(0), false), undefined);
  assert.equal(stream.body(Buffer.alloc(0), true)?.response_body?.response?.body_mutation?.streamed_response?.end_of_stream, true);
  assert.equal(stream.ended, true);
});

test('an error event follows whole events as is, and ends an unfinished event first', () => {
  const between = new ResponseStream('duplex');
  between.body(Buffer.from('data: 1\r\n\r\n'), false);
  assert.equal(text(between.fail('openai', '{"error":{}}')), 'data: {"error":{}}\n\n');
  const inside = new ResponseStream('duplex');
  inside.body(Buffer.from('event: content_block_delta\n'), false);
  const ended = inside.fail('anthropic', '{"type":"error"}');
  assert.equal(text(ended), '\n\nevent: error\ndata: {"type":"error"}\n\n');
  assert.equal(ended.response_body?.response?.body_mutation?.streamed_response?.end_of_stream, true);
  assert.equal(inside.dropped(), undefined, 'duplex: Envoy ended the stream, nothing to answer');
});

test('streamed mode: one answer per chunk, unchanged chunks without a mutation, the rest emptied after an error', () => {
  const stream = new ResponseStream('streamed');
  assert.deepEqual(stream.body(Buffer.from('data: 1\n\n'), false, true), { response_body: { response: {} } });
  assert.equal(text(stream.body(Buffer.from('data: 2\n\n'), false)), 'data: 2\n\n');
  const failed = stream.fail('openai', '{"error":{}}');
  assert.equal(failed.response_body?.response?.body_mutation?.body?.toString(), 'data: {"error":{}}\n\n');
  assert.equal(stream.ended, true);
  assert.deepEqual(stream.dropped(), { response_body: { response: { body_mutation: { clear_body: true } } } });
});
