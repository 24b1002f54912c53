import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Writable } from 'node:stream';
import { hangupSafeStream } from './hangup-safe-stream.js';

/** A target that takes `capacity` writes, then reports backpressure; `fail()` makes it error like a hung-up tty. */
function target(capacity = Number.POSITIVE_INFINITY): { stream: Writable; written: string[]; fail(): void } {
  const written: string[] = [];
  const stream = new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk.toString());
      if (written.length < capacity) callback();
      // else: never calls back, so write() keeps returning false and 'drain' never comes
    },
  });
  return { stream, written, fail: () => stream.destroy(Object.assign(new Error('write EIO'), { code: 'EIO' })) };
}

test('forwards writes at once, in order', () => {
  const { stream, written } = target();
  const safe = hangupSafeStream(stream);
  safe.write('one\n');
  safe.write('two\n');
  assert.deepEqual(written, ['one\n', 'two\n'], 'written synchronously: lines logged right before an exit are out');
});

test('after the target fails (the terminal went away), writes are dropped and nothing throws; a writer waiting for drain is released', async () => {
  const sink = target(1);
  const { stream, written } = sink;
  const safe = hangupSafeStream(stream);
  safe.write('first\n');
  const queued = new Promise<void>((resolve) => safe.write('second\n', () => resolve()));
  sink.fail();
  await queued;
  await new Promise<void>((resolve) => safe.write('third\n', () => resolve()));
  assert.deepEqual(written, ['first\n']);
  assert.equal(safe.destroyed, false);
});
