/**
 * QuotaPolicy (aigateway.envoyproxy.io/v1alpha1) end to end with `aigw run`: token budgets per
 * model on one AIServiceBackend, matched by the route backendRefs' `modelNameOverride`. Each
 * budget is checked when a request arrives (is it spent already?) and charged the request's cost
 * when its response ends, so the request that spends a budget succeeds and the next one is
 * refused with a 429 in the client's API shape (OpenAI, Anthropic). A model with a larger budget
 * is unaffected; a `costExpression` charges what it says; Distinct `x-tenant-id` bucket rules
 * give each tenant its own budget, all also charged to the model's `defaultBucket` (the API's
 * Shared mode); a shadow-mode bucket rule never refuses; a stream is charged when it ends and is
 * never cut. Windows are one day long, so a test does not straddle a window's end.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';
import { decisionCount, fetchMetrics, postChat, quotaPolicyDocument, rateLimitDecisions, withModelNameOverrides, type ChatResult } from '../support/rate-limit-yaml.js';

/** Route model (what clients send) → the backendRef's modelNameOverride (what the quota names). */
const OVERRIDES = {
  'model-x': 'gpt-x',
  'model-y': 'gpt-y',
  'model-cost': 'gpt-cost',
  'model-tenant': 'gpt-tenant',
  'model-shadow': 'gpt-shadow',
  'model-stream': 'gpt-stream',
} as const;
const POLICY = 'budgets';
const day = (limit: number): { limit: number; duration: '1d' } => ({ limit, duration: '1d' });
const tenantHeader = { name: 'x-tenant-id', type: 'Distinct' } as const;
/** 5 + 3 = 8 total tokens per request unless a test says otherwise. */
const USAGE = { promptTokens: 5, completionTokens: 3 };

let upstream: FakeOpenAI;
let aigw: AigwProcess;

function config(port: number): string {
  const policy = quotaPolicyDocument({
    name: POLICY,
    backends: ['openai'],
    perModelQuotas: [
      { modelName: 'gpt-x', defaultBucket: day(20) },
      { modelName: 'gpt-y', defaultBucket: day(1_000_000) },
      { modelName: 'gpt-cost', costExpression: 'input_tokens + output_tokens * uint(2)', defaultBucket: day(20) },
      { modelName: 'gpt-tenant', defaultBucket: day(60), bucketRules: [{ headers: [tenantHeader], quota: day(20) }] },
      { modelName: 'gpt-shadow', bucketRules: [{ headers: [tenantHeader], quota: day(1), shadowMode: true }] },
      { modelName: 'gpt-stream', defaultBucket: day(10) },
    ],
  });
  const base = gatewayConfigYaml({ port, upstreamPort: upstream.port, models: Object.keys(OVERRIDES), extraDocuments: [policy] });
  return withModelNameOverrides(base, OVERRIDES);
}

function openai(headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({ baseURL: `http://127.0.0.1:${aigw.port}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 15_000, defaultHeaders: headers });
}

const chat = (model: string, headers: Record<string, string> = {}): Promise<ChatResult> => postChat(aigw.port, model, headers);

/** A 429 in OpenAI's error shape, from the gateway's rate-limit reply. */
function assertOpenAIRateLimited(result: ChatResult, what: string): void {
  assert.equal(result.status, 429, `${what}: ${result.body}`);
  assert.equal(result.headers.get('content-type'), 'application/json', what);
  const body = result.json as { error?: { message?: unknown; type?: unknown } } | undefined;
  assert.deepEqual(Object.keys(body ?? {}), ['error'], `${what}: ${result.body}`);
  assert.equal(typeof body?.error?.message, 'string', what);
  assert.match(String(body?.error?.message), /rate limit|quota/i, what);
  assert.equal(result.headers.get('x-ratelimit-remaining'), '0', what);
  assert.ok(Number(result.headers.get('retry-after') ?? result.headers.get('x-ratelimit-reset')) > 0, `${what}: when to retry`);
}

/** How many requests reached the provider for a model (its override). */
const reached = (override: string): number => upstream.requests.filter((request) => (request.json() as { model?: unknown }).model === override).length;

before(async () => {
  upstream = await startFakeOpenAI({ usage: USAGE });
  aigw = await startAigw({ configYaml: config, captureStdout: false });
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
});

test('per-model quota: model X (20 tokens/day) serves until 20 tokens are spent, then 429 in OpenAI and Anthropic shape; model Y (a larger quota) still serves', { timeout: 60_000 }, async () => {
  // 8 tokens each: checked against 0, 8 and 16 spent (all within 20), charged when done.
  for (const spent of [0, 8, 16]) {
    const ok = await chat('model-x');
    assert.equal(ok.status, 200, `after ${spent} tokens: ${ok.body}`);
    assert.equal(ok.headers.get('x-ratelimit-limit')?.split(',')[0]?.trim(), '20', 'the quota is announced');
    assert.equal(ok.headers.get('x-ratelimit-remaining'), String(20 - spent), 'what is left when the request was checked');
  }
  assert.equal(reached('gpt-x'), 3, 'the provider saw the override');
  const refused = await chat('model-x');
  assertOpenAIRateLimited(refused, 'model X after 24 of 20 tokens');
  assert.equal(reached('gpt-x'), 3, 'the refused request never reached the provider');

  // The SDKs see their own rate-limit errors.
  await assert.rejects(openai().chat.completions.create({ model: 'model-x', messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => e instanceof OpenAI.RateLimitError && e.status === 429);
  const anthropic = new Anthropic({ baseURL: `http://127.0.0.1:${aigw.port}/anthropic`, apiKey: 'unused', maxRetries: 0, timeout: 15_000 });
  await assert.rejects(anthropic.messages.create({ model: 'model-x', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => {
    assert.ok(e instanceof Anthropic.RateLimitError, String(e));
    assert.equal(e.status, 429);
    assert.match(JSON.stringify(e.error), /"type":"error".*"rate_limit_error"/);
    return true;
  });
  assert.equal(reached('gpt-x'), 3);

  // Model Y, same backend, its own (larger) budget.
  for (let i = 0; i < 5; i++) {
    const completion = await openai().chat.completions.create({ model: 'model-y', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(completion.usage?.total_tokens, 8);
  }
  const anthropicY = await anthropic.messages.create({ model: 'model-y', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(anthropicY.usage.input_tokens, 5);
  assert.equal(reached('gpt-y'), 6);
});

test('costExpression "input_tokens + output_tokens * uint(2)" charges 3 + 4 * 2 = 11 per request, not the 7 total tokens', { timeout: 60_000 }, async () => {
  upstream.configure({ usage: { promptTokens: 3, completionTokens: 4 } });
  try {
    const first = await chat('model-cost');
    assert.equal(first.status, 200, first.body);
    assert.equal(first.headers.get('x-ratelimit-remaining'), '20');
    const second = await chat('model-cost');
    assert.equal(second.status, 200, second.body);
    assert.equal(second.headers.get('x-ratelimit-remaining'), '9', 'the first request cost 11');
    // 22 spent: refused (at 7 per request, 14 spent, it would have been served).
    assertOpenAIRateLimited(await chat('model-cost'), 'model-cost after 22 of 20');
  } finally {
    upstream.configure({ usage: USAGE });
  }
});

test('bucket rules with a Distinct x-tenant-id selector: tenant A spends its 20 and is refused, tenant B is not; requests without the header count in the default bucket (60), which every request is charged', { timeout: 60_000 }, async () => {
  const tenantA = { 'x-tenant-id': 'tenant-a' };
  for (let i = 0; i < 3; i++) assert.equal((await chat('model-tenant', tenantA)).status, 200, `tenant A request ${i}`);
  assertOpenAIRateLimited(await chat('model-tenant', tenantA), 'tenant A after 24 of 20');

  const tenantB = await chat('model-tenant', { 'x-tenant-id': 'tenant-b' });
  assert.equal(tenantB.status, 200, `tenant B has its own bucket: ${tenantB.body}`);

  // The default bucket now holds 32 (A's 24, B's 8); requests without the header have only it:
  // checked at 32, 40, 48 and 56, then refused at 64.
  for (let i = 0; i < 4; i++) assert.equal((await chat('model-tenant')).status, 200, `no header, request ${i}`);
  assertOpenAIRateLimited(await chat('model-tenant'), 'no header after 64 of 60');
  // Shared mode: a tenant with its own bucket untouched is still limited by the default bucket.
  assertOpenAIRateLimited(await chat('model-tenant', { 'x-tenant-id': 'tenant-c' }), 'a fresh tenant once the default bucket is spent');
});

test('a shadow-mode bucket rule (1 token/day) never refuses; /metrics reports its decisions as shadow_over_limit, without the tenant id', { timeout: 60_000 }, async () => {
  const tenant = 'shadow-tenant-5f0c1e';
  for (let i = 0; i < 5; i++) {
    const result = await chat('model-shadow', { 'x-tenant-id': tenant });
    assert.equal(result.status, 200, `request ${i}: ${result.body}`);
  }
  const metrics = await fetchMetrics(aigw.adminPort);
  const samples = rateLimitDecisions(metrics);
  const source = `QuotaPolicy default/${POLICY} model gpt-shadow bucket rule 0`;
  assert.ok(decisionCount(samples, source, 'shadow_over_limit') >= 4, `shadow decisions for ${source}:\n${JSON.stringify(samples, null, 1)}`);
  assert.equal(decisionCount(samples, source, 'over_limit'), 0);
  assert.ok(samples.every((sample) => sample.domain === 'ai-gateway-quota'), 'QuotaPolicy decisions are in the quota domain');
  assert.ok(decisionCount(samples, `QuotaPolicy default/${POLICY} model gpt-x default bucket`, 'over_limit') >= 1, 'the enforced refusal of model X is counted');
  assert.ok(!metrics.includes(tenant), 'no request value in /metrics');
  assert.ok(!metrics.includes('tenant-a'), 'no request value in /metrics');
});

test('a stream is charged when it ends and never cut: a request during the stream is still served, the stream completes although the budget is spent meanwhile, the next request is refused', { timeout: 60_000 }, async () => {
  // 18 tokens each against a budget of 10.
  upstream.configure({ usage: { promptTokens: 11, completionTokens: 7 }, streamIntervalMs: 150 });
  try {
    const stream = await openai().chat.completions.create({ model: 'model-stream', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
    let content = '';
    let usage: number | undefined;
    let during: ChatResult | undefined;
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? '';
      usage = chunk.usage?.total_tokens ?? usage;
      // Mid-stream: nothing charged yet, so a request is checked against 0 and served (and charges 18 when done).
      if (!during && content !== '') during = await chat('model-stream');
    }
    assert.equal(during?.status, 200, `a request during the stream: ${during?.body}`);
    assert.equal(content, 'Hello from the fake upstream.', 'the whole stream arrived although the budget was spent while it ran');
    assert.equal(usage, 18);
    assertOpenAIRateLimited(await chat('model-stream'), 'after 36 of 10');
    await assert.rejects(
      openai().chat.completions.create({ model: 'model-stream', messages: [{ role: 'user', content: 'hi' }], stream: true }),
      (e: unknown) => e instanceof OpenAI.RateLimitError && e.status === 429,
    );
  } finally {
    upstream.configure({ usage: USAGE, streamIntervalMs: 0 });
  }
});
