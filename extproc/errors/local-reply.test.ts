import assert from 'node:assert/strict';
import { test } from 'node:test';
import { localReplyForClient, localReplyMessage, rateLimitRetryAfter } from './local-reply.js';

const TIMEOUT = Buffer.from('{"error":{"code":"upstream_error","message":"upstream failure: upstream request timeout (UT)","type":"server_error"}}\n');

test("Envoy's upstream-failure reply is told apart from a provider's error", () => {
  assert.equal(localReplyMessage(TIMEOUT), 'upstream failure: upstream request timeout (UT)');
  assert.equal(localReplyMessage(Buffer.from('{"error":{"code":"upstream_error","message":"something else"}}')), undefined);
  assert.equal(localReplyMessage(Buffer.from('{"error":{"message":"provider says 503","type":"server_error"}}')), undefined);
  assert.equal(localReplyMessage(Buffer.from('upstream connect error or disconnect/reset before headers')), undefined);
});

test('it takes the client API error shape, keeping the message', () => {
  assert.deepEqual(localReplyForClient(504, TIMEOUT, 'openai'), {});
  assert.deepEqual(JSON.parse(localReplyForClient(504, TIMEOUT, 'anthropic')?.body?.toString() ?? ''), {
    type: 'error',
    error: { type: 'timeout_error', message: 'upstream failure: upstream request timeout (UT)' },
  });
  assert.deepEqual(JSON.parse(localReplyForClient(503, TIMEOUT, 'cohere')?.body?.toString() ?? ''), { message: 'upstream failure: upstream request timeout (UT)' });
  assert.equal(localReplyForClient(503, Buffer.from('{"message":"from the provider"}'), 'anthropic'), undefined);
});

test("rateLimitRetryAfter: a 429 with x-ratelimit-reset and no retry-after gets one; nothing else is touched", () => {
  assert.equal(rateLimitRetryAfter(429, { 'x-ratelimit-reset': '42' }), '42');
  assert.equal(rateLimitRetryAfter(429, { 'x-ratelimit-reset': '42', 'retry-after': '7' }), undefined, "the provider's or the mapper's own stays");
  assert.equal(rateLimitRetryAfter(429, {}), undefined);
  assert.equal(rateLimitRetryAfter(503, { 'x-ratelimit-reset': '42' }), undefined);
  assert.equal(rateLimitRetryAfter(429, { 'x-ratelimit-reset': '1s' }), undefined, 'only whole seconds');
  assert.equal(rateLimitRetryAfter(429, { 'x-ratelimit-reset': '12345678901' }), undefined);
});
