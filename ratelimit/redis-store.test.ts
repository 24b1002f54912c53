/**
 * The Redis store against a real redis-server (test/support/redis-server.ts), through the gRPC
 * service as Envoy calls it: two services on one Redis share a budget; Redis killed mid-run
 * makes the service answer UNAVAILABLE quickly, and it recovers when Redis is back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import type { RateLimitConfig } from '../contract/rate-limit-config.js';
import { createLogger } from '../common/logger.js';
import { isRecord } from '../common/json-guards.js';
import { REDIS_SERVER_MISSING, startRedisServer, type TestRedis } from '../test/support/redis-server.js';
import { rateLimitClient, type RateLimitClient, type RateLimitReply } from '../test/support/rate-limit-client.js';
import { startRateLimitService, type RunningRateLimitService } from './start-rate-limit-service.js';
import { RedisStore } from './redis-store.js';

const CONFIG: Pick<RateLimitConfig, 'domains'> = { domains: [{ domain: 'd', descriptors: [{ key: 'tenant', rateLimit: { requestsPerUnit: 5, unit: 'hour' }, source: 'test' }] }] };
const skip = REDIS_SERVER_MISSING;

let redis: TestRedis;
let dir: string;
const services: RunningRateLimitService[] = [];
const clients: RateLimitClient[] = [];
const logLines: string[] = [];

async function service(name: string, url: string, registry = new Registry()): Promise<RateLimitClient> {
  const socketPath = join(dir, `${name}.sock`);
  const logger = createLogger({ level: 'info', format: 'text', write: (line: string) => logLines.push(line) });
  services.push(await startRateLimitService({ socketPath, config: CONFIG, registry, logger, env: { AIGW_RATELIMIT_REDIS_URL: url } }));
  assert.equal(statSync(socketPath).mode & 0o777, 0o600);
  const client = rateLimitClient(socketPath);
  clients.push(client);
  return client;
}

function overallCode(reply: RateLimitReply): unknown {
  assert.equal(reply.error, undefined, reply.error?.message);
  return isRecord(reply.response) ? reply.response.overall_code : undefined;
}

const ask = (client: RateLimitClient, tenant: string, hits?: number): Promise<RateLimitReply> =>
  client.shouldRateLimit({ domain: 'd', descriptors: [{ entries: [{ key: 'tenant', value: tenant }], ...(hits !== undefined ? { hits_addend: { value: String(hits) } } : {}) }] });

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'aigw-rls-redis-'));
  redis = await startRedisServer({ password: 'p@ss:word' });
});

after(async () => {
  for (const client of clients) client.close();
  await Promise.all(services.map((running) => running.close()));
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('two services on one Redis share one budget; the log shows the URL without its password', { skip, timeout: 20_000 }, async () => {
  const a = await service('a', redis.url);
  const b = await service('b', redis.url);
  assert.equal(overallCode(await ask(a, 'shared', 2)), 'OK');
  assert.equal(overallCode(await ask(b, 'shared', 3)), 'OK');
  assert.equal(overallCode(await ask(a, 'shared', 0)), 'OK');
  assert.equal(overallCode(await ask(b, 'shared', 1)), 'OVER_LIMIT');
  assert.equal(overallCode(await ask(a, 'shared')), 'OVER_LIMIT');
  assert.equal(overallCode(await ask(a, 'other')), 'OK');
  const reply = await ask(b, 'third', 4);
  const statuses: unknown = isRecord(reply.response) ? reply.response.statuses : undefined;
  const first: unknown = Array.isArray(statuses) ? statuses[0] : undefined;
  assert.ok(isRecord(first));
  assert.deepEqual({ ...first, duration_until_reset: undefined }, { code: 'OK', current_limit: { requests_per_unit: 5, unit: 'HOUR' }, limit_remaining: 1, duration_until_reset: undefined });
  const logged = logLines.join('');
  assert.match(logged, /rate-limit counters in Redis at redis:\/\/:\*\*\*@127\.0\.0\.1/);
  assert.doesNotMatch(logged, /p%40ss|p@ss/);
});

test('the counters expire with their window (INCRBY + EXPIRE in one MULTI)', { skip, timeout: 20_000 }, async () => {
  const store = new RedisStore({ url: redis.url });
  try {
    assert.equal(await store.connected(5000), true);
    const key = `ttl-test-${Date.now()}`;
    assert.deepEqual(await store.increment([{ key, hits: 2, windowSeconds: 60, windowEndMs: Date.now() + 60_000 }, { key, hits: 3, windowSeconds: 60, windowEndMs: Date.now() + 60_000 }]), [2, 5]);
    const inspect = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await inspect.connect();
      const ttl = await inspect.ttl(key);
      assert.ok(ttl > 0 && ttl <= 60, `TTL ${ttl}`);
    } finally {
      inspect.disconnect();
    }
  } finally {
    await store.close();
  }
});

test('Redis killed: UNAVAILABLE within a bounded time, counted, one warning; back once Redis is', { skip, timeout: 30_000 }, async () => {
  const registry = new Registry();
  const client = await service('c', redis.url, registry);
  assert.equal(overallCode(await ask(client, 'k')), 'OK');
  const warningsBefore = logLines.filter((line) => line.includes('rate limiting unavailable')).length;
  await redis.kill();
  for (let i = 0; i < 5; i++) {
    const started = Date.now();
    const reply = await ask(client, 'k');
    const took = Date.now() - started;
    assert.equal(reply.error?.code, status.UNAVAILABLE, `attempt ${i}: ${JSON.stringify(reply)}`);
    assert.ok(took < 2000, `UNAVAILABLE took ${took} ms`);
  }
  assert.match(await registry.getSingleMetricAsString('aigw_ratelimit_store_errors_total'), /aigw_ratelimit_store_errors_total\{store="redis"\} 5/);
  assert.equal(logLines.filter((line) => line.includes('rate limiting unavailable')).length - warningsBefore, 1);
  assert.doesNotMatch(logLines.join(''), /p@ss|p%40ss/);

  await redis.restart();
  const deadline = Date.now() + 10_000;
  let reply = await ask(client, 'k');
  while (reply.error && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    reply = await ask(client, 'k');
  }
  // A fresh server: the counter restarted from zero.
  assert.equal(overallCode(reply), 'OK');
});

test('a Redis that stops answering (SIGSTOP) times the command out instead of hanging', { skip, timeout: 20_000 }, async () => {
  const store = new RedisStore({ url: redis.url, commandTimeoutMs: 300 });
  try {
    const increment = { key: 'stall', hits: 1, windowSeconds: 60, windowEndMs: Date.now() + 60_000 };
    // Connected first, so the command is written and then left unanswered.
    assert.equal(await store.connected(5000), true);
    await store.increment([increment]);
    process.kill(redis.pid(), 'SIGSTOP');
    try {
      const started = Date.now();
      await assert.rejects(store.increment([increment]), /timed out/i);
      assert.ok(Date.now() - started < 2000);
    } finally {
      process.kill(redis.pid(), 'SIGCONT');
    }
  } finally {
    await store.close();
  }
});
