/**
 * BackendTrafficPolicy `rateLimit.local` with the real CLI: Envoy's local_ratelimit filter, no
 * rate-limit service. A Gateway-level policy gives each model's rule its own bucket of 3 requests
 * per minute; `x-user: vip` has a bucket of 5 of its own; each `x-tenant` value one of 2. The
 * request over a limit gets a 429 in the client API's shape with `x-ratelimit-*` headers and never
 * reaches the provider. A route-level policy whose rules are all in shadow mode never refuses.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';
import { postChat, type ChatResult } from '../support/rate-limit-yaml.js';

const DEFAULT_MODEL = 'gpt-4o-mini';
const VIP_MODEL = 'gpt-4o';
const TENANT_MODEL = 'gpt-4.1';
const SHADOW_MODEL = 'shadow-model';

let upstream: FakeOpenAI;
let aigw: AigwProcess;

const gatewayPolicy = {
  apiVersion: 'gateway.envoyproxy.io/v1alpha1',
  kind: 'BackendTrafficPolicy',
  metadata: { name: 'local-limits', namespace: 'default' },
  spec: {
    targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'aigw-run' }],
    rateLimit: {
      local: {
        rules: [
          { limit: { requests: 3, unit: 'Minute' } },
          { clientSelectors: [{ headers: [{ name: 'x-user', value: 'vip' }] }], limit: { requests: 5, unit: 'Minute' } },
          { clientSelectors: [{ headers: [{ name: 'x-tenant', type: 'Distinct' }] }], limit: { requests: 2, unit: 'Minute' } },
        ],
      },
    },
  },
};

/** A second AIGatewayRoute with its own policy (a route's policy wins over its Gateway's): every rule in shadow mode. */
const shadowRoute = {
  apiVersion: 'aigateway.envoyproxy.io/v1beta1',
  kind: 'AIGatewayRoute',
  metadata: { name: 'shadow', namespace: 'default' },
  spec: {
    parentRefs: [{ name: 'aigw-run', kind: 'Gateway', group: 'gateway.networking.k8s.io' }],
    rules: [{ matches: [{ headers: [{ type: 'Exact', name: 'x-ai-eg-model', value: SHADOW_MODEL }] }], backendRefs: [{ name: 'openai' }] }],
  },
};
const shadowPolicy = {
  apiVersion: 'gateway.envoyproxy.io/v1alpha1',
  kind: 'BackendTrafficPolicy',
  metadata: { name: 'shadow-limits', namespace: 'default' },
  spec: {
    targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'shadow' }],
    rateLimit: {
      local: {
        rules: [
          { limit: { requests: 1, unit: 'Minute' }, shadowMode: true },
          { clientSelectors: [{ headers: [{ name: 'x-user', value: 'vip' }] }], limit: { requests: 1, unit: 'Minute' }, shadowMode: true },
        ],
      },
    },
  },
};

function client(headers: Record<string, string> = {}): OpenAI {
  return new OpenAI({ baseURL: `http://127.0.0.1:${aigw.port}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 15_000, defaultHeaders: headers });
}

function chat(model: string, headers: Record<string, string> = {}): Promise<ChatResult> {
  return postChat(aigw.port, model, headers);
}

function assertRefusedInOpenAIShape(refused: { status: number; headers: Headers; body: string }, limit: string): void {
  assert.equal(refused.status, 429, refused.body);
  assert.equal(refused.headers.get('content-type'), 'application/json');
  const body: unknown = JSON.parse(refused.body);
  assert.deepEqual(Object.keys(body as object), ['error'], refused.body);
  const error = (body as { error: Record<string, unknown> }).error;
  assert.equal(error.type, 'rate_limit_error', refused.body);
  assert.equal(error.code, 'rate_limit_exceeded', refused.body);
  assert.match(String(error.message), /rate limit/i);
  assert.equal(refused.headers.get('x-ratelimit-limit'), limit, JSON.stringify(Object.fromEntries(refused.headers)));
  assert.equal(refused.headers.get('x-ratelimit-remaining'), '0');
  assert.ok(Number(refused.headers.get('x-ratelimit-reset')) > 0, 'seconds until the bucket refills');
  // local_ratelimit adds x-ratelimit-* after the local reply is mapped: the ext_proc copies the
  // reset into retry-after on the way out, as the mapper does for the global limit.
  assert.equal(refused.headers.get('retry-after'), refused.headers.get('x-ratelimit-reset'));
}

before(async () => {
  upstream = await startFakeOpenAI();
  aigw = await startAigw({
    configYaml: (port) =>
      gatewayConfigYaml({ port, upstreamPort: upstream.port, models: [DEFAULT_MODEL, VIP_MODEL, TENANT_MODEL], extraDocuments: [gatewayPolicy, shadowRoute, shadowPolicy] }),
  });
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
});

test('local rate limit: the 4th request in a minute gets a 429 RateLimitError with a JSON body in OpenAI shape and x-ratelimit headers', { timeout: 60_000 }, async () => {
  const before = upstream.requests.length;
  for (let i = 0; i < 3; i++) {
    const ok = await chat(DEFAULT_MODEL);
    assert.equal(ok.status, 200, ok.body);
    assert.equal(ok.headers.get('x-ratelimit-limit'), '3', JSON.stringify(Object.fromEntries(ok.headers)));
  }
  assertRefusedInOpenAIShape(await chat(DEFAULT_MODEL), '3');
  await assert.rejects(client().chat.completions.create({ model: DEFAULT_MODEL, messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => {
    assert.ok(e instanceof OpenAI.RateLimitError, String(e));
    assert.equal(e.status, 429);
    assert.equal(e.code, 'rate_limit_exceeded');
    return true;
  });
  assert.equal(upstream.requests.length - before, 3, 'refused requests never reach the provider');
  // Another model's rule is another Envoy route with its own bucket.
  assert.equal((await chat(VIP_MODEL)).status, 200);
});

test('local rate limit: an Anthropic client gets the 429 in its own error shape', { timeout: 60_000 }, async () => {
  // The default bucket of DEFAULT_MODEL is spent by the previous test (3 per minute).
  const anthropic = new Anthropic({ baseURL: `http://127.0.0.1:${aigw.port}/anthropic`, apiKey: 'unused', maxRetries: 0, timeout: 15_000 });
  for (let i = 0; i < 4; i++) await chat(DEFAULT_MODEL);
  await assert.rejects(anthropic.messages.create({ model: DEFAULT_MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => {
    assert.ok(e instanceof Anthropic.RateLimitError, String(e));
    assert.equal(e.status, 429);
    assert.match(JSON.stringify(e.error), /"type":"error".*"rate_limit_error"/);
    return true;
  });
});

test('local rate limit: x-user: vip has its own bucket of 5 and does not take from the route bucket', { timeout: 60_000 }, async () => {
  // Spend VIP_MODEL's route bucket (one request was made by the first test).
  for (let i = 0; i < 3; i++) await chat(VIP_MODEL);
  assertRefusedInOpenAIShape(await chat(VIP_MODEL), '3');
  const vip = client({ 'x-user': 'vip' });
  for (let i = 0; i < 5; i++) {
    const completion = await vip.chat.completions.create({ model: VIP_MODEL, messages: [{ role: 'user', content: 'hi' }] });
    assert.ok(completion.choices.length > 0);
  }
  assertRefusedInOpenAIShape(await chat(VIP_MODEL, { 'x-user': 'vip' }), '5');
  // Another value of x-user is not vip: the (spent) route bucket.
  assert.equal((await chat(VIP_MODEL, { 'x-user': 'someone' })).status, 429);
});

test('local rate limit: a Distinct header gives each value its own bucket', { timeout: 60_000 }, async () => {
  for (let i = 0; i < 2; i++) assert.equal((await chat(TENANT_MODEL, { 'x-tenant': 'a' })).status, 200);
  assertRefusedInOpenAIShape(await chat(TENANT_MODEL, { 'x-tenant': 'a' }), '2');
  assert.equal((await chat(TENANT_MODEL, { 'x-tenant': 'b' })).status, 200, 'tenant b has its own bucket');
  // Without the header: the route bucket, untouched so far.
  assert.equal((await chat(TENANT_MODEL)).status, 200);
});

test('local rate limit: rules in shadow mode count but never refuse', { timeout: 60_000 }, async () => {
  const openai = client();
  const vip = client({ 'x-user': 'vip' });
  for (let i = 0; i < 4; i++) {
    await openai.chat.completions.create({ model: SHADOW_MODEL, messages: [{ role: 'user', content: 'hi' }] });
    await vip.chat.completions.create({ model: SHADOW_MODEL, messages: [{ role: 'user', content: 'hi' }] });
  }
});
