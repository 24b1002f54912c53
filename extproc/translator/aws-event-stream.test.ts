import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AwsEventStreamDecoder, encodeAwsEvent } from './aws-event-stream.js';

test('messages split at every byte boundary decode once complete, in order', () => {
  const stream = Buffer.concat([
    encodeAwsEvent('messageStart', { role: 'assistant' }),
    encodeAwsEvent('contentBlockDelta', { delta: { text: 'héllo' }, contentBlockIndex: 0 }),
    encodeAwsEvent('throttlingException', { message: 'slow down' }, 'exception'),
  ]);
  for (let cut = 1; cut < stream.length; cut += 7) {
    const decoder = new AwsEventStreamDecoder();
    const messages = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
    assert.deepEqual(
      messages.map((message): unknown[] => [message.messageType, message.eventType ?? message.exceptionType, JSON.parse(message.payload.toString('utf8'))]),
      [
        ['event', 'messageStart', { role: 'assistant' }],
        ['event', 'contentBlockDelta', { delta: { text: 'héllo' }, contentBlockIndex: 0 }],
        ['exception', 'throttlingException', { message: 'slow down' }],
      ],
    );
    assert.equal(decoder.leftover, 0);
  }
});

test('a truncated stream leaves bytes over; a corrupt frame throws', () => {
  const frame = encodeAwsEvent('messageStop', { stopReason: 'end_turn' });
  const decoder = new AwsEventStreamDecoder();
  assert.deepEqual(decoder.push(frame.subarray(0, frame.length - 3)), []);
  assert.equal(decoder.leftover, frame.length - 3);
  const corrupt = Buffer.from(frame);
  const at = corrupt.length - 6;
  corrupt.writeUInt8(corrupt.readUInt8(at) ^ 0xff, at);
  assert.throws(() => new AwsEventStreamDecoder().push(corrupt));
});
