/**
 * A token budget on a rule with fallback priorities, with `aigw run`: the router checks each
 * request (it knows the rule), but only Envoy knows which attempt answered, so Envoy's rate-limit
 * filter charges the response cost when the stream is done (`apply_on_stream_done`, from the
 * metadata the upstream filter left), calling the limiter the ext_proc serves on its socket.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freePort, gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { extraBackendYaml } from '../support/extra-backend-yaml.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';
import { globalRateLimitDocument, postChat, tokenCost } from '../support/rate-limit-yaml.js';

const MODEL = 'gpt-4o-mini';
let primary: FakeOpenAI;
let secondary: FakeOpenAI;
let aigw: AigwProcess;
let port: number;

before(async () => {
  primary = await startFakeOpenAI({ usage: { promptTokens: 21, completionTokens: 4 } });
  secondary = await startFakeOpenAI();
  // 30 input tokens a day per tenant: the first request (21) is served, the second (21 + 21 > 30 is
  // only known afterwards) is served too, the third is refused.
  const policy = globalRateLimitDocument('fallback-budget', [{ headers: [{ name: 'x-tenant-id', type: 'Distinct' }], requests: 30, unit: 'Day', cost: tokenCost('llm_input_token') }]);
  port = await freePort();
  const base = gatewayConfigYaml({ port, upstreamPort: primary.port, models: [MODEL], extraDocuments: [policy] });
  const yaml = `${base.replace('      backendRefs:\n        - name: openai\n', '      backendRefs:\n        - name: openai\n          priority: 0\n        - name: secondary\n          priority: 1\n')}
${extraBackendYaml('secondary', secondary.port)}`;
  assert.match(yaml, /priority: 1/);
  aigw = await startAigw({ configYaml: yaml, captureStdout: false });
});

after(async () => {
  await aigw?.stop();
  await primary?.close();
  await secondary?.close();
});

test('fallback rule: the response cost is charged by Envoy when the stream is done, and the router refuses the tenant once it is spent; other tenants go on', { timeout: 60_000 }, async () => {
  const first = await postChat(port, MODEL, { 'x-tenant-id': 'a' });
  assert.equal(first.status, 200, first.body);
  assert.equal(first.headers.get('x-ratelimit-remaining'), '30', 'checked with 0 hits before anything was charged');
  // Envoy charges as the stream completes, after the client has its answer: a moment for its call.
  const settle = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 300));
  await settle();
  const second = await postChat(port, MODEL, { 'x-tenant-id': 'a' });
  assert.equal(second.status, 200, second.body);
  assert.equal(second.headers.get('x-ratelimit-remaining'), '9', 'the 21 input tokens of the first response were charged');
  await settle();
  const third = await postChat(port, MODEL, { 'x-tenant-id': 'a' });
  assert.equal(third.status, 429, third.body);
  assert.match(third.body, /"code":"rate_limit_exceeded"/);
  const other = await postChat(port, MODEL, { 'x-tenant-id': 'b' });
  assert.equal(other.status, 200, other.body);
  assert.equal(secondary.requests.length, 0, 'the priority-0 backend answered every request');
});
