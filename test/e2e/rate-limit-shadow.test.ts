/**
 * BackendTrafficPolicy `rateLimit.global` shadow mode and the rate-limit metrics, with `aigw
 * run`: a rule with `shadowMode: true` and a limit of 1 request counts and reports but never
 * refuses, an enforced rule next to it does; the ext_proc's `/metrics` on the admin port counts
 * each decision per configured limit (`ok`, `over_limit`, `shadow_over_limit`) with labels from
 * the configuration only, never a value a client sent.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';
import { decisionCount, fetchMetrics, globalRateLimitDocument, postChat, rateLimitDecisions, type RateLimitDecisionSample } from '../support/rate-limit-yaml.js';

const MODEL = 'gpt-4o-mini';
const POLICY = 'limits';
const SHADOW = `BackendTrafficPolicy default/${POLICY} rule 0`;
const ENFORCED = `BackendTrafficPolicy default/${POLICY} rule 1`;
/** Client-chosen values that must never reach a metric label. */
const TENANT = 'tenant-7d41c9-shadowed';
const PLAN = 'free';

let upstream: FakeOpenAI;
let aigw: AigwProcess;

before(async () => {
  upstream = await startFakeOpenAI();
  const policy = globalRateLimitDocument(POLICY, [
    // Every tenant may send 1 request a day: counted, never enforced.
    { headers: [{ name: 'x-tenant-id', type: 'Distinct' }], requests: 1, unit: 'Day', shadowMode: true },
    // The free plan may send 2 requests a day: enforced.
    { headers: [{ name: 'x-plan', type: 'Exact', value: PLAN }], requests: 2, unit: 'Day' },
  ]);
  aigw = await startAigw({ configYaml: (port) => gatewayConfigYaml({ port, upstreamPort: upstream.port, extraDocuments: [policy] }), captureStdout: false });
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
});

async function decisions(): Promise<RateLimitDecisionSample[]> {
  return rateLimitDecisions(await fetchMetrics(aigw.adminPort));
}

test('a shadow-mode rule with a limit of 1 never refuses; /metrics counts 1 ok and 4 shadow_over_limit for 5 requests', { timeout: 60_000 }, async () => {
  const client = new OpenAI({ baseURL: `http://127.0.0.1:${aigw.port}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 15_000, defaultHeaders: { 'x-tenant-id': TENANT } });
  for (let i = 0; i < 5; i++) {
    const completion = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: `request ${i}` }] });
    assert.equal(completion.usage?.prompt_tokens, 11, `request ${i} was served`);
  }
  assert.equal(upstream.requests.length, 5);
  const samples = await decisions();
  assert.equal(decisionCount(samples, SHADOW, 'ok'), 1, JSON.stringify(samples));
  assert.equal(decisionCount(samples, SHADOW, 'shadow_over_limit'), 4, JSON.stringify(samples));
  assert.equal(decisionCount(samples, SHADOW, 'over_limit'), 0, 'shadow decisions are never enforced ones');
  assert.equal(decisionCount(samples, ENFORCED, 'ok') + decisionCount(samples, ENFORCED, 'over_limit'), 0, 'the plan rule did not apply: no x-plan header');
});

test('an enforced rule next to it refuses the third free-plan request with a 429 in OpenAI shape; /metrics counts 2 ok and 1 over_limit', { timeout: 60_000 }, async () => {
  upstream.reset();
  for (let i = 0; i < 2; i++) {
    const ok = await postChat(aigw.port, MODEL, { 'x-plan': PLAN });
    assert.equal(ok.status, 200, ok.body);
  }
  const refused = await postChat(aigw.port, MODEL, { 'x-plan': PLAN });
  assert.equal(refused.status, 429, refused.body);
  assert.deepEqual(Object.keys(refused.json as object), ['error']);
  assert.equal(refused.headers.get('x-ratelimit-remaining'), '0');
  assert.equal(upstream.requests.length, 2, 'the refused request never reached the provider');
  // Another plan is not limited by the rule.
  assert.equal((await postChat(aigw.port, MODEL, { 'x-plan': 'pro' })).status, 200);

  const samples = await decisions();
  assert.equal(decisionCount(samples, ENFORCED, 'ok'), 2, JSON.stringify(samples));
  assert.equal(decisionCount(samples, ENFORCED, 'over_limit'), 1, JSON.stringify(samples));
  assert.equal(decisionCount(samples, ENFORCED, 'shadow_over_limit'), 0);
});

test('a request over the shadow limit and within the enforced one is served; both decisions are counted', { timeout: 60_000 }, async () => {
  const before = await decisions();
  const served = await postChat(aigw.port, MODEL, { 'x-tenant-id': TENANT, 'x-plan': 'pro' });
  assert.equal(served.status, 200, served.body);
  const refused = await postChat(aigw.port, MODEL, { 'x-tenant-id': TENANT, 'x-plan': PLAN });
  assert.equal(refused.status, 429, 'the enforced rule refuses whatever the shadow rule says');
  const after = await decisions();
  assert.equal(decisionCount(after, SHADOW, 'shadow_over_limit') - decisionCount(before, SHADOW, 'shadow_over_limit'), 2);
  assert.equal(decisionCount(after, ENFORCED, 'over_limit') - decisionCount(before, ENFORCED, 'over_limit'), 1);
});

test('/metrics labels are bounded: domain and source from the configuration, decision from a closed set; no request value anywhere', { timeout: 60_000 }, async () => {
  const metrics = await fetchMetrics(aigw.adminPort);
  const samples = rateLimitDecisions(metrics);
  assert.ok(samples.length > 0);
  const domains = new Set(samples.map((sample) => sample.domain));
  assert.equal(domains.size, 1, `one listener, one domain: ${[...domains].join(', ')}`);
  assert.deepEqual(new Set(samples.map((sample) => sample.source)), new Set([SHADOW, ENFORCED]));
  for (const sample of samples) assert.ok(['ok', 'over_limit', 'shadow_over_limit'].includes(sample.decision), sample.decision);
  assert.ok(!metrics.includes(TENANT), 'the tenant id is not in /metrics');
  assert.ok(!/"(free|pro)"/.test(metrics), 'the plan header values are not label values');
  assert.match(metrics, /^aigw_ratelimit_store_errors_total|# HELP aigw_ratelimit_store_errors_total/m, 'the store error counter is exported');
});
