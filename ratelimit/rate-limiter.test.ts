import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import type { RateLimitConfig } from '../contract/rate-limit-config.js';
import { createLogger } from '../common/logger.js';
import { MemoryStore } from './memory-store.js';
import { RateLimitMetrics } from './rate-limit-metrics.js';
import type { RateLimitRequest, RequestDescriptor } from './rate-limit-request.js';
import type { CounterIncrement, RateLimitStore } from './rate-limit-store.js';
import { counterKey, RateLimiter, RateLimitStoreUnavailable } from './rate-limiter.js';

const CONFIG: Pick<RateLimitConfig, 'domains'> = {
  domains: [
    {
      domain: 'd',
      descriptors: [
        { key: 'tenant', rateLimit: { requestsPerUnit: 3, unit: 'minute' }, source: 'policy/a rule 0' },
        { key: 'shadow', rateLimit: { requestsPerUnit: 1, unit: 'minute' }, shadowMode: true, source: 'policy/s' },
        { key: 'tokens', rateLimit: { requestsPerUnit: 100, unit: 'hour' }, source: 'quota' },
      ],
    },
  ],
};

/** 2026-12-06 08:14:21 UTC: 39 s left in the minute. */
const T0 = Date.UTC(2026, 11, 6, 8, 14, 21);

function setup(config: Pick<RateLimitConfig, 'domains'> = CONFIG): { limiter: RateLimiter; registry: Registry; clock: { now: number }; store: MemoryStore } {
  const clock = { now: T0 };
  const registry = new Registry();
  const store = new MemoryStore({ now: () => clock.now });
  const limiter = new RateLimiter({ config, store, metrics: new RateLimitMetrics(registry), now: () => clock.now });
  return { limiter, registry, clock, store };
}

function request(descriptors: RequestDescriptor[], hitsAddend = 0): RateLimitRequest {
  return { domain: 'd', descriptors, hitsAddend };
}

const tenant = (value: string, hitsAddend?: number): RequestDescriptor => ({ entries: [{ key: 'tenant', value }], ...(hitsAddend !== undefined ? { hitsAddend } : {}) });

test('counts per value in a fixed window; over the limit past requestsPerUnit; statuses carry limit, remaining and reset', { timeout: 5000 }, async () => {
  const { limiter, clock } = setup();
  for (const remaining of [2, 1, 0]) {
    assert.deepEqual(await limiter.shouldRateLimit(request([tenant('a')])), { overallCode: 'OK', statuses: [{ code: 'OK', limit: { requestsPerUnit: 3, unit: 'minute' }, remaining, secondsUntilReset: 39 }] });
  }
  assert.deepEqual(await limiter.shouldRateLimit(request([tenant('a')])), { overallCode: 'OVER_LIMIT', statuses: [{ code: 'OVER_LIMIT', limit: { requestsPerUnit: 3, unit: 'minute' }, remaining: 0, secondsUntilReset: 39 }] });
  // Another value has its own counter; the next window starts from zero.
  assert.equal((await limiter.shouldRateLimit(request([tenant('b')]))).overallCode, 'OK');
  clock.now = T0 + 39_000;
  assert.deepEqual((await limiter.shouldRateLimit(request([tenant('a')]))).statuses[0], { code: 'OK', limit: { requestsPerUnit: 3, unit: 'minute' }, remaining: 2, secondsUntilReset: 60 });
});

test('hits: the descriptor’s own hits_addend (0 = check only), else the request’s when > 0, else 1', { timeout: 5000 }, async () => {
  const { limiter } = setup();
  const tokens = (hitsAddend?: number): RequestDescriptor => ({ entries: [{ key: 'tokens', value: 't' }], ...(hitsAddend !== undefined ? { hitsAddend } : {}) });
  assert.equal((await limiter.shouldRateLimit(request([tokens()]))).statuses[0]?.remaining, 99);
  assert.equal((await limiter.shouldRateLimit(request([tokens()], 9))).statuses[0]?.remaining, 90);
  assert.equal((await limiter.shouldRateLimit(request([tokens(40)], 9))).statuses[0]?.remaining, 50);
  assert.equal((await limiter.shouldRateLimit(request([tokens(0)], 9))).statuses[0]?.remaining, 50);
  // Charged exactly to the limit: a check is still OK, the next hit is over.
  assert.equal((await limiter.shouldRateLimit(request([tokens(50)]))).overallCode, 'OK');
  assert.deepEqual((await limiter.shouldRateLimit(request([tokens(0)]))).statuses[0]?.code, 'OK');
  assert.equal((await limiter.shouldRateLimit(request([tokens(1)]))).overallCode, 'OVER_LIMIT');
  // A cost after the fact pushed the counter past the limit: now even a check is over.
  assert.equal((await limiter.shouldRateLimit(request([tokens(0)]))).overallCode, 'OVER_LIMIT');
});

test('shadow mode: counted and reported, never OVER_LIMIT; the overall code follows the enforced descriptors', { timeout: 5000 }, async () => {
  const { limiter, registry } = setup();
  const shadow: RequestDescriptor = { entries: [{ key: 'shadow', value: 'x' }] };
  await limiter.shouldRateLimit(request([shadow]));
  const decision = await limiter.shouldRateLimit(request([shadow, tenant('a'), { entries: [{ key: 'nowhere', value: 'x' }] }]));
  assert.deepEqual(decision, {
    overallCode: 'OK',
    statuses: [
      { code: 'OK', limit: { requestsPerUnit: 1, unit: 'minute' }, remaining: 0, secondsUntilReset: 39 },
      { code: 'OK', limit: { requestsPerUnit: 3, unit: 'minute' }, remaining: 2, secondsUntilReset: 39 },
      { code: 'OK', remaining: 0 },
    ],
  });
  const metrics = await registry.getSingleMetricAsString('aigw_ratelimit_decisions_total');
  assert.match(metrics, /aigw_ratelimit_decisions_total\{domain="d",source="policy\/s",decision="ok"\} 1/);
  assert.match(metrics, /aigw_ratelimit_decisions_total\{domain="d",source="policy\/s",decision="shadow_over_limit"\} 1/);
  assert.match(metrics, /aigw_ratelimit_decisions_total\{domain="d",source="policy\/a rule 0",decision="ok"\} 1/);
  assert.doesNotMatch(metrics, /nowhere/);
});

test('an unknown domain or a descriptor matching nothing is OK without a limit, and touches no counter', { timeout: 5000 }, async () => {
  const { limiter, store } = setup();
  assert.deepEqual(await limiter.shouldRateLimit({ domain: 'other', descriptors: [tenant('a')], hitsAddend: 0 }), { overallCode: 'OK', statuses: [{ code: 'OK', remaining: 0 }] });
  assert.equal(store.size, 0);
});

test('the decision Envoy reads: codes, the limit, remaining and seconds to reset; no limit for a descriptor matching none', { timeout: 5000 }, async () => {
  const { limiter } = setup();
  for (let i = 0; i < 3; i++) await limiter.shouldRateLimit(request([tenant('a')]));
  assert.deepEqual(await limiter.shouldRateLimit(request([tenant('a'), { entries: [{ key: 'x', value: 'y' }] }])), {
    overallCode: 'OVER_LIMIT',
    statuses: [
      { code: 'OVER_LIMIT', limit: { requestsPerUnit: 3, unit: 'minute' }, remaining: 0, secondsUntilReset: 39 },
      { code: 'OK', remaining: 0 },
    ],
  });
});

test('counter keys: envoyproxy/ratelimit’s format; values cannot pose as more entries', { timeout: 5000 }, () => {
  assert.equal(counterKey('d', [{ key: 'generic_key', value: 'a' }, { key: 'tenant', value: 'acme' }], 1_765_000_000), 'd_generic_key_a_tenant_acme_1765000000');
  assert.notEqual(counterKey('d', [{ key: 'k', value: 'x_b_y' }], 0), counterKey('d', [{ key: 'k', value: 'x' }, { key: 'b', value: 'y' }], 0));
  assert.equal(counterKey('d', [{ key: 'k', value: 'x_y\\' }], 0), 'd_k_x\\_y\\\\_0');
});

test('counter keys: bytes that were not UTF-8 (lone surrogates from decodeDescriptorValue) are written \\xHH, apart from any UTF-8 value', { timeout: 5000 }, () => {
  const key = (value: string): string => counterKey('d', [{ key: 'tenant', value }], 0);
  assert.equal(key('jos\udce9e'), 'd_tenant_jos\\xe9e_0');
  assert.notEqual(key('jos\udce9e'), key('jos\udce8e'));
  assert.notEqual(key('jos\udce9e'), key('jos\\xe9e'), 'a literal backslash-x is escaped, so it cannot pose as a byte');
  assert.notEqual(key('q\udcff'), key('q\ufffd'));
  assert.equal(Buffer.from(key('\udcff_\udc80'), 'utf8').toString('utf8'), key('\udcff_\udc80'), 'the key is well-formed UTF-8 (a Redis key)');
  // A character past U+FFFF whose low surrogate is in U+DC80–U+DCFF is a character, kept as it is.
  assert.equal(key('\u{10080}'), 'd_tenant_\u{10080}_0');
});

test('the same counter twice in one request is charged twice, in order', { timeout: 5000 }, async () => {
  const { limiter } = setup();
  const decision = await limiter.shouldRateLimit(request([tenant('a', 2), tenant('a', 2)]));
  assert.deepEqual(decision.statuses.map((status) => [status.code, status.remaining]), [['OK', 1], ['OVER_LIMIT', 0]]);
});

test('a failing store: RateLimitStoreUnavailable, counted, one warning per 10 s', { timeout: 5000 }, async () => {
  const clock = { now: T0 };
  const registry = new Registry();
  const lines: string[] = [];
  const logger = createLogger({ level: 'warn', format: 'text', write: (line: string) => lines.push(line) });
  const failing: RateLimitStore = { name: 'redis', increment: (_: readonly CounterIncrement[]) => Promise.reject(new Error('connection refused')), close: () => Promise.resolve() };
  const limiter = new RateLimiter({ config: CONFIG, store: failing, metrics: new RateLimitMetrics(registry), logger, now: () => clock.now });
  for (let i = 0; i < 3; i++) await assert.rejects(limiter.shouldRateLimit(request([tenant('a')])), RateLimitStoreUnavailable);
  clock.now += 10_000;
  await assert.rejects(limiter.shouldRateLimit(request([tenant('a')])), RateLimitStoreUnavailable);
  assert.equal(lines.length, 2, lines.join('\n'));
  assert.match(lines[0] ?? '', /redis store failed \(connection refused\)/);
  assert.match(await registry.getSingleMetricAsString('aigw_ratelimit_store_errors_total'), /aigw_ratelimit_store_errors_total\{store="redis"\} 4/);
  // Nothing matched: the store is not asked, so nothing fails.
  assert.equal((await limiter.shouldRateLimit(request([{ entries: [{ key: 'x', value: 'y' }] }]))).overallCode, 'OK');
});

test('configure: a reload swaps the trees; a limit with the same descriptors keeps its count in the window, a removed one stops limiting', { timeout: 5000 }, async () => {
  const { limiter } = setup();
  for (let i = 0; i < 3; i++) await limiter.shouldRateLimit(request([tenant('a')]));
  assert.equal((await limiter.shouldRateLimit(request([tenant('a')]))).overallCode, 'OVER_LIMIT');
  // The limit raised to 5: the 4 hits already counted stay counted (no fresh budget on reload).
  limiter.configure({ domains: [{ domain: 'd', descriptors: [{ key: 'tenant', rateLimit: { requestsPerUnit: 5, unit: 'minute' }, source: 'policy/a rule 0' }] }] });
  assert.deepEqual((await limiter.shouldRateLimit(request([tenant('a')]))).statuses[0]?.remaining, 0);
  assert.equal((await limiter.shouldRateLimit(request([tenant('a')]))).overallCode, 'OVER_LIMIT');
  limiter.configure({ domains: [] });
  assert.deepEqual(await limiter.shouldRateLimit(request([tenant('a')])), { overallCode: 'OK', statuses: [{ code: 'OK', remaining: 0 }] });
});
