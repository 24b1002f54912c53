import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAigwError } from '../../common/errors.js';
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

test('a frame whose prelude declares more than the frame limit is refused before its bytes arrive', () => {
  const frame = encodeAwsEvent('chunk', { bytes: 'x'.repeat(200) });
  const decoder = new AwsEventStreamDecoder({ sseLineBytes: 1, sseEventBytes: 1, awsFrameBytes: 100 });
  assert.throws(
    () => decoder.push(frame.subarray(0, 6)),
    (error: unknown) =>
      isAigwError(error, 'UPSTREAM') &&
      error.message === `the provider sent an AWS event-stream frame of more than 100 bytes, the gateway's limit (${frame.length} bytes seen)`,
  );
});

test('a large frame in small chunks is joined once: linear time, and frames behind it still decode', () => {
  const big = encodeAwsEvent('chunk', { bytes: 'y'.repeat(6 * 1024 * 1024) });
  const small = encodeAwsEvent('chunk', { bytes: 'z' });
  const stream = Buffer.concat([big, small]);
  const decoder = new AwsEventStreamDecoder();
  const started = performance.now();
  const messages = [];
  for (let at = 0; at < stream.length; at += 16 * 1024) messages.push(...decoder.push(stream.subarray(at, at + 16 * 1024)));
  const ms = performance.now() - started;
  assert.equal(messages.length, 2);
  assert.equal(decoder.leftover, 0);
  // Joining the held chunks on every push (as a growing Buffer.concat does) takes seconds here.
  assert.ok(ms < 500, `took ${Math.round(ms)} ms`);
});
