import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fixedWindow, UNIT_SECONDS } from './fixed-window.js';

test('windows are aligned to the epoch, month = 30 days and year = 365 days as in envoyproxy/ratelimit', { timeout: 5000 }, () => {
  const now = Date.UTC(2026, 11, 6, 8, 14, 21, 500);
  const seconds = Math.floor(now / 1000);
  assert.deepEqual(fixedWindow('second', now), { startSeconds: seconds, lengthSeconds: 1, endMs: (seconds + 1) * 1000, secondsUntilReset: 1 });
  assert.deepEqual(fixedWindow('minute', now), { startSeconds: seconds - 21, lengthSeconds: 60, endMs: (seconds - 21 + 60) * 1000, secondsUntilReset: 39 });
  assert.equal(fixedWindow('hour', now).secondsUntilReset, 3600 - (14 * 60 + 21));
  assert.equal(fixedWindow('day', now).startSeconds, Date.UTC(2026, 11, 6) / 1000);
  assert.equal(UNIT_SECONDS.month, 2_592_000);
  assert.equal(UNIT_SECONDS.year, 31_536_000);
  assert.equal(fixedWindow('month', now).startSeconds % 2_592_000, 0);
  assert.equal(fixedWindow('year', now).startSeconds % 31_536_000, 0);
});

test('the last second of a window resets in 1 s, the first in the whole window', { timeout: 5000 }, () => {
  assert.equal(fixedWindow('minute', 59_999).secondsUntilReset, 1);
  assert.equal(fixedWindow('minute', 60_000).secondsUntilReset, 60);
  assert.equal(fixedWindow('minute', 60_000).startSeconds, 60);
});
