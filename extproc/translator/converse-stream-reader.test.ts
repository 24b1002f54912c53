import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { encodeAwsEvent } from './aws-event-stream.js';
import { ConverseStreamReader } from './converse-stream-reader.js';

const codec = new EventStreamCodec(toUtf8, fromUtf8);

test('events are typed; unknown event types are skipped', () => {
  const reader = new ConverseStreamReader();
  const items = reader.push(
    Buffer.concat([
      encodeAwsEvent('messageStart', { role: 'assistant' }),
      encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { citation: { title: 'doc' } } }),
      encodeAwsEvent('somethingNew', { contentBlockIndex: 0 }),
      encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 2, delta: { reasoningContent: { redactedContent: 'c2VjcmV0' } } }),
      encodeAwsEvent('messageStop', { stopReason: 'end_turn' }),
      encodeAwsEvent('metadata', { usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 } }),
    ]),
  );
  assert.deepEqual(items, [
    { type: 'messageStart', role: 'assistant' },
    { type: 'contentBlockDelta', contentBlockIndex: 0 },
    { type: 'contentBlockDelta', contentBlockIndex: 2, reasoning: { kind: 'redacted', data: 'c2VjcmV0' } },
    { type: 'messageStop', stopReason: 'end_turn' },
    { type: 'metadata', usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 } },
  ]);
  reader.finish();
});

test('exception and error frames become exception items with their message', () => {
  const errorFrame = Buffer.from(
    codec.encode({
      headers: {
        ':message-type': { type: 'string', value: 'error' },
        ':error-code': { type: 'string', value: 'InternalFailure' },
        ':error-message': { type: 'string', value: 'We encountered an internal error.' },
      },
      body: new Uint8Array(0),
    }),
  );
  const items = new ConverseStreamReader().push(
    Buffer.concat([
      encodeAwsEvent('modelStreamErrorException', { message: 'Model stream error', originalStatusCode: 500 }, 'exception'),
      encodeAwsEvent('validationException', { Message: 'Input is too long' }, 'exception'),
      errorFrame,
    ]),
  );
  assert.deepEqual(items, [
    { type: 'exception', exceptionType: 'modelStreamErrorException', message: 'Model stream error' },
    { type: 'exception', exceptionType: 'validationException', message: 'Input is too long' },
    { type: 'exception', exceptionType: 'InternalFailure', message: 'We encountered an internal error.' },
  ]);
});

test('an event whose payload is not a JSON object cannot be read', () => {
  const frame = Buffer.from(
    codec.encode({
      headers: { ':message-type': { type: 'string', value: 'event' }, ':event-type': { type: 'string', value: 'contentBlockDelta' } },
      body: fromUtf8('not json'),
    }),
  );
  assert.throws(() => new ConverseStreamReader().push(frame), /contentBlockDelta event is not JSON/);
  assert.throws(() => new ConverseStreamReader().push(encodeAwsEvent('messageStop', [1])), /not a JSON object/);
});
