/**
 * BackendTrafficPolicy `clientSelectors[].sourceCIDR` with `aigw run`: the router filter asks
 * Envoy for the client's address (`source.address`) and checks it as Envoy's
 * masked_remote_address / remote_address actions would — a range (Exact) shares one budget, a
 * Distinct range gives each address its own, a range the client is not in never limits it —
 * and a client cannot move itself into another range with `x-forwarded-for`.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';
import { globalRateLimitDocument, postChat } from '../support/rate-limit-yaml.js';

const MODEL = 'gpt-4o-mini';
let upstream: FakeOpenAI;
let aigw: AigwProcess;

before(async () => {
  upstream = await startFakeOpenAI();
  const policy = globalRateLimitDocument('by-address', [
    // Loopback clients: 3 requests a day between them.
    { sourceCIDR: { type: 'Exact', value: '127.0.0.0/8' }, requests: 3, unit: 'Day' },
    // 10.0.0.0/8: 1 a day each; no test client is there (unless it could claim so in a header).
    { sourceCIDR: { type: 'Distinct', value: '10.0.0.0/8' }, requests: 1, unit: 'Day' },
  ]);
  aigw = await startAigw({ configYaml: (port) => gatewayConfigYaml({ port, upstreamPort: upstream.port, models: [MODEL], extraDocuments: [policy] }), captureStdout: false });
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
});

test('a loopback range shares 3 requests a day, x-forwarded-for does not move a client into another range, and the 4th request gets a 429', { timeout: 60_000 }, async () => {
  const first = await postChat(aigw.port, MODEL);
  assert.equal(first.status, 200, first.body);
  assert.equal(first.headers.get('x-ratelimit-limit')?.split(',')[0], '3', JSON.stringify(Object.fromEntries(first.headers)));
  assert.equal(first.headers.get('x-ratelimit-remaining'), '2');
  // Were the address taken from x-forwarded-for, these two would fall in 10.0.0.0/8 (1 a day each)
  // and the loopback budget would be untouched.
  const spoofed = await postChat(aigw.port, MODEL, { 'x-forwarded-for': '10.1.2.3' });
  assert.equal(spoofed.status, 200, spoofed.body);
  assert.equal(spoofed.headers.get('x-ratelimit-remaining'), '1', 'counted as the loopback client it is');
  const third = await postChat(aigw.port, MODEL, { 'x-forwarded-for': '10.1.2.3' });
  assert.equal(third.status, 200, third.body);
  const refused = await postChat(aigw.port, MODEL);
  assert.equal(refused.status, 429, refused.body);
  assert.equal(refused.headers.get('x-ratelimit-remaining'), '0');
  assert.ok(Number(refused.headers.get('retry-after')) > 0);
  assert.match(refused.body, /"code":"rate_limit_exceeded"/);
  assert.equal(upstream.requests.length, 3, 'the refused request never reached the provider');
});
