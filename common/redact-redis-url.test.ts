import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redactRedisUrl } from './redact-redis-url.js';

test('a Redis URL in a log line has no password', { timeout: 5000 }, () => {
  assert.equal(redactRedisUrl('redis://:s3cret@127.0.0.1:6379/0'), 'redis://:***@127.0.0.1:6379/0');
  assert.equal(redactRedisUrl('rediss://user:s3cret@cache.example:6380'), 'rediss://***:***@cache.example:6380');
  assert.equal(redactRedisUrl('redis://127.0.0.1:6379'), 'redis://127.0.0.1:6379');
  assert.doesNotMatch(redactRedisUrl('not a url s3cret'), /s3cret/);
});
