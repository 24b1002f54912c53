/**
 * Rate-limit counters in a real Redis (`--ratelimit-redis-url`): two `aigw run` on one Redis share
 * one budget (how users scale past one machine); Redis stopped mid-run fails open by default
 * (requests pass, one warning, a metric) and, with `--ratelimit-failure-mode-deny`, refuses with a
 * 503 in the client's API shape; once Redis is back, limits apply again. The Redis password
 * never appears in aigw's output.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freePort, gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';
import { globalRateLimitDocument, postChat, TEST_GATEWAY, tokenCost, type ChatResult } from '../support/rate-limit-yaml.js';
import { REDIS_SERVER_MISSING, startRedisServer, type TestRedis } from '../support/redis-server.js';

const REDIS_PASSWORD = 'redis-secret-Zq81';
const skip = REDIS_SERVER_MISSING ?? false;

let upstream: FakeOpenAI;
let redis: TestRedis | undefined;
const gateways: AigwProcess[] = [];

/** Per `x-tenant-id`: 10 input tokens per hour, checked first (cost 0), charged when the response ends. */
const inputBudget = globalRateLimitDocument('input-budget', [{ headers: [{ name: 'x-tenant-id', type: 'Distinct' }], requests: 10, unit: 'Hour', cost: tokenCost('llm_input_token') }], TEST_GATEWAY);

async function gateway(extraArgs: string[] = []): Promise<AigwProcess> {
  assert.ok(redis);
  const aigw = await startAigw({
    configYaml: (port) => gatewayConfigYaml({ port, upstreamPort: upstream.port, extraDocuments: [inputBudget] }),
    captureStdout: false,
    extraArgs: ['--ratelimit-redis-url', redis.url, ...extraArgs],
  });
  gateways.push(aigw);
  return aigw;
}

function chat(aigw: AigwProcess, tenant: string): Promise<ChatResult> {
  return postChat(aigw.port, 'gpt-4o-mini', { 'x-tenant-id': tenant });
}

async function metric(aigw: AigwProcess, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${aigw.adminPort}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
  return text
    .split('\n')
    .filter((line) => line.startsWith(name))
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

before(async () => {
  if (skip) return;
  upstream = await startFakeOpenAI({ usage: { promptTokens: 11, completionTokens: 7 } });
  redis = await startRedisServer({ password: REDIS_PASSWORD });
});

after(async () => {
  await Promise.all(gateways.map((aigw) => aigw.stop()));
  await redis?.stop();
  await upstream?.close();
});

test('two aigw run on one Redis share one budget: what one gateway charged, the other refuses', { skip, timeout: 120_000 }, async () => {
  const [first, second] = await Promise.all([gateway(), gateway()]);
  assert.ok(first && second);
  assert.equal((await chat(first, 'shared-tenant')).status, 200);
  const refused = await chat(second, 'shared-tenant');
  assert.equal(refused.status, 429, `the second gateway sees the first one's charge: ${refused.body}`);
  assert.match(refused.body, /"error":\{.*rate limit/i);
  assert.equal((await chat(second, 'other-tenant')).status, 200, 'another tenant has its own budget');
  assert.equal((await chat(first, 'other-tenant')).status, 429, 'and it is shared too');
  for (const aigw of [first, second]) {
    assert.ok(!aigw.stderr.includes(REDIS_PASSWORD), `the Redis password is not in aigw's output:\n${aigw.stderr}`);
  }
});

test('Redis stopped mid-run: requests pass (fail open) with one warning and a metric; with --ratelimit-failure-mode-deny a 503 in OpenAI shape; limits apply again once Redis is back', { skip, timeout: 180_000 }, async () => {
  assert.ok(redis);
  const open = await gateway();
  const deny = await gateway(['--ratelimit-failure-mode-deny']);
  assert.equal((await chat(open, 'before-outage')).status, 200);
  assert.equal((await chat(open, 'before-outage')).status, 429);

  await redis.kill();
  const startedAt = Date.now();
  for (let i = 0; i < 5; i++) {
    const passed = await chat(open, 'before-outage');
    assert.equal(passed.status, 200, `fail open: the check cannot run, the request passes: ${passed.body}`);
  }
  assert.ok(Date.now() - startedAt < 10_000, 'a dead Redis does not stall requests');
  assert.ok((await metric(open, 'aigw_ratelimit_store_errors_total')) >= 1, 'the failures are counted');
  assert.equal(open.stderr.match(/rate limiting unavailable/g)?.length, 1, `one warning, not one per request:\n${open.stderr}`);

  const denied = await chat(deny, 'during-outage');
  assert.equal(denied.status, 503, denied.body);
  const body: unknown = JSON.parse(denied.body);
  assert.ok(typeof body === 'object' && body !== null && 'error' in body, denied.body);
  assert.match(denied.body, /rate.limit/i);

  await redis.restart();
  // The clients reconnect in the background; within a few seconds the checks run again (the
  // restarted Redis is empty: what was charged before the outage is gone with it).
  const deadline = Date.now() + 30_000;
  let status = 0;
  while (Date.now() < deadline) {
    status = (await chat(deny, 'after-outage')).status;
    if (status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.equal(status, 200, 'the deny-mode gateway serves again once Redis is back');
  // The other gateway reconnects on its own schedule: until then it fails open (and charges
  // nothing); then the budget the two share, spent by the request above, is enforced again.
  let openStatus = 0;
  while (Date.now() < deadline) {
    openStatus = (await chat(open, 'after-outage')).status;
    if (openStatus === 429) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.equal(openStatus, 429, 'the fail-open gateway enforces the shared budget again once it has reconnected');
  for (const aigw of [open, deny]) assert.ok(!aigw.stderr.includes(REDIS_PASSWORD), aigw.stderr);
});

test('an unusable --ratelimit-redis-url is a usage error that does not echo the password', { timeout: 30_000 }, async () => {
  const port = await freePort();
  await assert.rejects(
    startAigw({ configYaml: gatewayConfigYaml({ port, upstreamPort: 9 }), captureStdout: false, extraArgs: ['--ratelimit-redis-url', `http://user:${REDIS_PASSWORD}@127.0.0.1:6379`], startTimeoutMs: 20_000 }),
    (error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      assert.match(message, /--ratelimit-redis-url: expected redis:\/\//);
      assert.ok(!message.includes(REDIS_PASSWORD), message);
      return true;
    },
  );
});

test('--ratelimit-redis-url without any rate limit in the configuration: the gateway serves and says the flag is unused', { skip, timeout: 60_000 }, async () => {
  assert.ok(redis);
  const aigw = await startAigw({
    configYaml: (port) => gatewayConfigYaml({ port, upstreamPort: upstream.port }),
    captureStdout: false,
    extraArgs: ['--ratelimit-redis-url', redis.url],
  });
  gateways.push(aigw);
  assert.match(aigw.stderr, /--ratelimit-redis-url \(AIGW_RATELIMIT_REDIS_URL\) is unused: the configuration has no BackendTrafficPolicy rateLimit\.global or QuotaPolicy/);
  assert.ok(!aigw.stderr.includes(REDIS_PASSWORD));
  assert.equal((await chat(aigw, 'anyone')).status, 200);
});
