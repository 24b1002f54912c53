/**
 * Hostile tenant headers against the rate limits of `aigw run` (a BackendTrafficPolicy with
 * Distinct `x-tenant-id` / `x-user-id` rules, a QuotaPolicy bucket rule per tenant): 10 KB
 * values, `_` and `\` (the counter key's separator and escape), non-ASCII and bytes that are not
 * UTF-8, and 5,000 distinct tenants sent with bounded concurrency. Every answer is a 200 or a 429
 * JSON body, the gateway still serves afterwards (no ext_proc restart, a spent budget is still
 * spent), budgets of tenants whose ids differ only in `_` (or in where an entry ends) stay apart,
 * and no tenant id reaches /metrics.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';
import { fetchMetrics, globalRateLimitDocument, postChat, quotaPolicyDocument, rateLimitDecisions, withModelNameOverrides, type ChatResult } from '../support/rate-limit-yaml.js';

const PLAIN = 'gpt-4o-mini';
const QUOTA_MODEL = 'model-q';
/** Rule 0: 2 requests a day per tenant. Rule 1: 1 request a day per (tenant, user). */
const TENANT_LIMIT = 2;
const TENANTS = 5000;
const CONCURRENCY = 32;

let upstream: FakeOpenAI;
let aigw: AigwProcess;

before(async () => {
  upstream = await startFakeOpenAI({ record: false, usage: { promptTokens: 5, completionTokens: 3 } });
  const limits = globalRateLimitDocument('per-tenant', [
    { headers: [{ name: 'x-tenant-id', type: 'Distinct' }], requests: TENANT_LIMIT, unit: 'Day' },
    {
      headers: [
        { name: 'x-tenant-id', type: 'Distinct' },
        { name: 'x-user-id', type: 'Distinct' },
      ],
      requests: 1,
      unit: 'Day',
    },
  ]);
  const quota = quotaPolicyDocument({
    name: 'tenant-quota',
    backends: ['openai'],
    perModelQuotas: [{ modelName: 'gpt-q', defaultBucket: { limit: 1_000_000_000, duration: '1d' }, bucketRules: [{ headers: [{ name: 'x-tenant-id', type: 'Distinct' }], quota: { limit: 20, duration: '1d' } }] }],
  });
  aigw = await startAigw({
    configYaml: (port) => withModelNameOverrides(gatewayConfigYaml({ port, upstreamPort: upstream.port, models: [PLAIN, QUOTA_MODEL], accessLog: false, extraDocuments: [limits, quota] }), { [QUOTA_MODEL]: 'gpt-q' }),
    captureStdout: false,
  });
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
});

/** A header value from UTF-8 text: fetch sends each char of a byte string as one byte. */
const utf8Header = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

/** 200, or 429 with an OpenAI error body: nothing else (no 5xx, no empty reply, no HTML). */
function assertServedOrLimited(result: ChatResult, what: string): void {
  assert.ok(result.status === 200 || result.status === 429, `${what}: status ${result.status}: ${result.body.slice(0, 300)}`);
  assert.match(result.headers.get('content-type') ?? '', /^application\/json/, what);
  assert.ok(result.json !== undefined, `${what}: a JSON body`);
  if (result.status === 429) assert.deepEqual(Object.keys(result.json as object), ['error'], what);
}

/** Spends a tenant's rule-0 budget on the plain model: TENANT_LIMIT served, the next refused. */
async function spend(headers: Record<string, string>, what: string): Promise<void> {
  for (let i = 0; i < TENANT_LIMIT; i++) {
    const result = await postChat(aigw.port, PLAIN, headers);
    assert.equal(result.status, 200, `${what} request ${i}: ${result.body}`);
  }
  const refused = await postChat(aigw.port, PLAIN, headers);
  assert.equal(refused.status, 429, `${what} is spent: ${refused.body}`);
}

async function assertFresh(headers: Record<string, string>, what: string): Promise<void> {
  const result = await postChat(aigw.port, PLAIN, headers);
  assert.equal(result.status, 200, `${what} has its own budget: ${result.body}`);
}

test('tenant ids that differ only in where a `_` (or `\\`) is do not share a budget', { timeout: 60_000 }, async () => {
  await spend({ 'x-tenant-id': 'a_b' }, 'a_b');
  await assertFresh({ 'x-tenant-id': 'ab_' }, 'ab_');
  await assertFresh({ 'x-tenant-id': '_ab' }, '_ab');
  await assertFresh({ 'x-tenant-id': 'a__b' }, 'a__b');
  await spend({ 'x-tenant-id': 'c\\_d' }, 'c\\_d');
  await assertFresh({ 'x-tenant-id': 'c_\\d' }, 'c_\\d');
  await assertFresh({ 'x-tenant-id': 'c\\\\_d' }, 'c\\\\_d');
});

test('tenant ids in Latin-1 (bytes that are not UTF-8) that differ in one byte do not share a budget', { timeout: 60_000 }, async () => {
  await spend({ 'x-tenant-id': 'jos\xe9e' }, 'Latin-1 "josée"');
  await assertFresh({ 'x-tenant-id': 'jos\xe8e' }, 'Latin-1 "josèe"');
  await spend({ 'x-tenant-id': 'q-\xff' }, '"q-" + 0xff');
  await assertFresh({ 'x-tenant-id': 'q-\xfe' }, '"q-" + 0xfe');
  await assertFresh({ 'x-tenant-id': utf8Header('q-\ufffd') }, '"q-" + U+FFFD in UTF-8');
});

test('a value cannot pose as the next descriptor entry: (tenant "t_rule-1-match-1_u", user "v") and (tenant "t", user "u_rule-1-match-1_v") have their own counters', { timeout: 60_000 }, async () => {
  // Unescaped, both would count under `…_rule-1-match-0_t_rule-1-match-1_u_rule-1-match-1_v_<window>`.
  const first = { 'x-tenant-id': 't_rule-1-match-1_u', 'x-user-id': 'v' };
  const second = { 'x-tenant-id': 't', 'x-user-id': 'u_rule-1-match-1_v' };
  assert.equal((await postChat(aigw.port, PLAIN, first)).status, 200);
  assert.equal((await postChat(aigw.port, PLAIN, first)).status, 429, 'rule 1 allows one request per tenant and user');
  assert.equal((await postChat(aigw.port, PLAIN, second)).status, 200, 'the other pair has its own counter');
});

test('junk tenant ids: 10 KB, `_` and `\\`, non-ASCII UTF-8, bytes that are not UTF-8, quotes and control-free punctuation: 200 or 429 JSON', { timeout: 60_000 }, async () => {
  const junk = [
    'x'.repeat(10 * 1024),
    `${'_\\'.repeat(2 * 1024)}end`,
    '\\',
    '_',
    '__',
    '\\\\_',
    utf8Header('租户-élève-🚀'),
    utf8Header('\u202e\u0301\ufeff'),
    '\xff\xfe\x80',
    '"},{"key":"x","value":"y"}',
    "'; DROP TABLE tenants; --",
    '%DYNAMIC_METADATA(io.envoy.ai_gateway:llm_total_token)%',
    '${HOME}',
    ' leading and trailing spaces ',
    '\ttab',
  ];
  for (const [index, tenant] of junk.entries()) {
    for (const model of [PLAIN, QUOTA_MODEL]) {
      // (x-user-id short: the gateway forwards both headers, and the fake provider, a Node server, takes 16 KB of headers at most.)
      for (let i = 0; i < TENANT_LIMIT + 1; i++) assertServedOrLimited(await postChat(aigw.port, model, { 'x-tenant-id': tenant, 'x-user-id': `${tenant.slice(0, 64)}-${i}` }), `junk ${index} on ${model}, request ${i}`);
    }
  }
  // A 10 KB id is one tenant like any other: its budget is spent, its neighbour's is not.
  await spend({ 'x-tenant-id': `${'y'.repeat(10 * 1024)}1` }, '10 KB tenant');
  await assertFresh({ 'x-tenant-id': `${'y'.repeat(10 * 1024)}2` }, 'the 10 KB tenant next to it');
});

test('5,000 distinct tenants with bounded concurrency: every answer 200 or 429 JSON, then the gateway still serves and remembers a spent budget; no tenant id in /metrics', { timeout: 110_000 }, async () => {
  const spent = { 'x-tenant-id': 'spent-before-the-flood' };
  await spend(spent, 'the tenant spent before the flood');
  const statuses = new Map<number, number>();
  const tenantOf = (i: number): string => `flood-${i}-${'_\\'.repeat(i % 7)}${i % 3 === 0 ? utf8Header('é') : ''}${i % 11 === 0 ? 'z'.repeat(2048) : ''}`;
  let next = 0;
  const startedAt = Date.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < TENANTS; i = next++) {
        const result = await postChat(aigw.port, i % 2 === 0 ? PLAIN : QUOTA_MODEL, { 'x-tenant-id': tenantOf(i), 'x-user-id': String(i) }, 30_000);
        assertServedOrLimited(result, `flood tenant ${i}`);
        statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
      }
    }),
  );
  const elapsedMs = Date.now() - startedAt;
  // Every tenant is new, so every first request is within its budget.
  assert.deepEqual(Object.fromEntries(statuses), { 200: TENANTS }, `answers of the flood (${elapsedMs} ms)`);
  console.log(`# ${TENANTS} tenants, concurrency ${CONCURRENCY}: ${elapsedMs} ms (${Math.round((TENANTS * 1000) / elapsedMs)} requests/s)`);

  assert.equal((await postChat(aigw.port, PLAIN)).status, 200, 'the gateway still serves');
  assert.equal((await postChat(aigw.port, PLAIN, spent)).status, 429, 'the budget spent before the flood is still spent (no restart, no eviction)');
  assert.doesNotMatch(aigw.stderr, /restarting it|rate-limit service:/, 'the ext_proc never crashed and the rate-limit service never failed');

  const metrics = await fetchMetrics(aigw.adminPort);
  assert.ok(!metrics.includes('flood-'), 'no tenant id in /metrics');
  assert.ok(!metrics.includes('spent-before'), 'no tenant id in /metrics');
  const samples = rateLimitDecisions(metrics);
  const sources = new Set(samples.map((sample) => sample.source));
  assert.deepEqual(
    sources,
    new Set(['BackendTrafficPolicy default/per-tenant rule 0', 'BackendTrafficPolicy default/per-tenant rule 1', 'QuotaPolicy default/tenant-quota model gpt-q bucket rule 0', 'QuotaPolicy default/tenant-quota model gpt-q default bucket']),
    'one label set per configured limit, however many tenants',
  );
  assert.ok(samples.length <= sources.size * 3);
});
