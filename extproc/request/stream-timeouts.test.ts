import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackendConfig } from '../../contract/filter-config.js';
import { DEFAULT_STREAM_IDLE_MS, firesAfterMs, formatDuration, requestTimeoutLeadMs, streamTimeouts, timeoutMessage } from './stream-timeouts.js';

const BACKEND: BackendConfig = { name: 'b', route: 'r', aiServiceBackend: 'default/b', schema: { name: 'OpenAI' } };

test("a rule's timeouts: streamIdleTimeout when set, else the default; no request timer when it is disabled", () => {
  assert.deepEqual(streamTimeouts(BACKEND), { idle: { kind: 'idle', ms: DEFAULT_STREAM_IDLE_MS, field: 'the default stream idle timeout' } });
  assert.deepEqual(streamTimeouts({ ...BACKEND, timeouts: { requestMs: 0, requestField: 'timeouts.request', streamIdleMs: 5_000 } }), {
    idle: { kind: 'idle', ms: 5_000, field: 'streamIdleTimeout' },
  });
  assert.deepEqual(streamTimeouts({ ...BACKEND, timeouts: { requestMs: 60_000, requestField: 'timeouts.backendRequest' } }).request, { kind: 'request', ms: 60_000, field: 'timeouts.backendRequest' });
});

test('the request timer fires a little ahead of Envoy: a tenth of the timeout, 100 ms to 1 s, at most half', () => {
  assert.equal(requestTimeoutLeadMs(60_000), 1_000);
  assert.equal(requestTimeoutLeadMs(2_000), 200);
  assert.equal(requestTimeoutLeadMs(500), 100);
  assert.equal(requestTimeoutLeadMs(100), 50);
});

test('messages name the timeout, its value and where it is set', () => {
  assert.deepEqual([60_000, 90_000, 1_500, 250].map(formatDuration), ['1m', '90s', '1.5s', '250ms']);
  assert.equal(
    timeoutMessage({ kind: 'idle', ms: 240_000, field: 'the default stream idle timeout' }, 'backend default/b'),
    'stream idle timeout: backend default/b sent nothing for 4m (the default stream idle timeout of 4m; set streamIdleTimeout on the AIGatewayRoute rule to change it); the stream was ended before the response was complete',
  );
  assert.match(timeoutMessage({ kind: 'request', ms: 30_000, field: 'timeouts.request' }, 'backend default/b'), /^request timeout: the request reached its 30s limit \(timeouts.request 30s\) while backend default\/b was still streaming/);
});

test("the listener's stream idle timeout (ClientTrafficPolicy) wins when it would fire first, slightly ahead of Envoy's", () => {
  const shorter = streamTimeouts(BACKEND, 10_000);
  assert.deepEqual(shorter.idle, { kind: 'idle', ms: 10_000, field: 'ClientTrafficPolicy timeout.http.streamIdleTimeout', leadMs: 1_000 });
  assert.equal(firesAfterMs(shorter.idle), 9_000);
  assert.match(timeoutMessage(shorter.idle, 'backend default/b'), /sent nothing for 10s \(ClientTrafficPolicy timeout\.http\.streamIdleTimeout 10s\)/);
  // A rule's shorter streamIdleTimeout still applies; a listener longer than the default changes nothing.
  assert.equal(streamTimeouts({ ...BACKEND, timeouts: { requestMs: 0, requestField: 'timeouts.request', streamIdleMs: 5_000 } }, 10_000).idle.field, 'streamIdleTimeout');
  assert.equal(streamTimeouts(BACKEND, 300_000).idle.ms, DEFAULT_STREAM_IDLE_MS);
});
