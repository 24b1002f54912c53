import assert from 'node:assert/strict';
import { test } from 'node:test';
import { QUOTA_DOMAIN, type RateLimitConfig } from '../contract/rate-limit-config.js';
import { MemoryStore } from './memory-store.js';
import { RateLimiter } from './rate-limiter.js';
import type { RateLimitStore } from './rate-limit-store.js';
import type { RequestFacts } from './request-descriptors.js';
import { rateLimitHeaders, RouterRateLimits } from './router-rate-limits.js';

const LISTENER = 'default/gw/http';
const RULE = 'default/route/rule/0';
const BACKEND = 'default/b/route/route/rule/0/ref/0';

/** BackendTrafficPolicy: 3 requests a minute per tenant; QuotaPolicy: 2 checks a day on the backend (the cost is charged later). */
function config(failureModeDeny = false): RateLimitConfig {
  return {
    domains: [
      { domain: LISTENER, descriptors: [{ key: 'route', value: 'r', descriptors: [{ key: 'tenant', rateLimit: { requestsPerUnit: 3, unit: 'minute' }, source: 'btp' }] }] },
      { domain: QUOTA_DOMAIN, descriptors: [{ key: 'backend_name', value: 'default/b', rateLimit: { requestsPerUnit: 2, unit: 'day' }, source: 'quota' }] },
    ],
    checks: {
      rules: [{ name: RULE, checks: [{ actions: [{ kind: 'generic', key: 'route', value: 'r' }, { kind: 'requestHeader', header: 'x-tenant', key: 'tenant' }] }], charges: [] }],
      backends: [
        {
          name: BACKEND,
          checks: [{ actions: [{ kind: 'generic', key: 'backend_name', value: 'default/b' }] }],
          charges: [{ actions: [{ kind: 'generic', key: 'backend_name', value: 'default/b' }], hits: { metadata: { namespace: 'io.envoy.ai_gateway', key: 'quota_cost' } } }],
        },
      ],
    },
    failureModeDeny,
  };
}

const T0 = Date.UTC(2026, 11, 6, 8, 14, 21);
const tenant = (value: string): RequestFacts => ({ headers: new Map([['x-tenant', [value]]]), metadata: {} });

function limits(store: RateLimitStore = new MemoryStore({ now: () => T0 }), failureModeDeny = false): RouterRateLimits {
  const rateLimitConfig = config(failureModeDeny);
  return new RouterRateLimits(rateLimitConfig, new RateLimiter({ config: rateLimitConfig, store, now: () => T0, warnEveryMs: Number.POSITIVE_INFINITY }));
}

test('the headers the checks read; a target without checks is not checked', { timeout: 5000 }, async () => {
  const router = limits();
  assert.deepEqual([...router.headerNames], ['x-tenant']);
  assert.equal(router.applies(RULE, undefined), true);
  assert.equal(router.applies('other', BACKEND), true);
  assert.equal(router.applies('other', 'other'), false);
  assert.deepEqual(await router.check(LISTENER, 'other', 'other', tenant('a')), { headers: [] });
});

test('the BackendTrafficPolicy limit refuses the 4th request of a tenant with a 429 before the quota is asked; other tenants go on', { timeout: 5000 }, async () => {
  const store = new MemoryStore({ now: () => T0 });
  const router = limits(store);
  const first = await router.check(LISTENER, RULE, undefined, tenant('a'));
  assert.deepEqual(first, {
    headers: [
      ['x-ratelimit-limit', '3, 3;w=60'],
      ['x-ratelimit-remaining', '2'],
      ['x-ratelimit-reset', '39'],
    ],
  });
  await router.check(LISTENER, RULE, undefined, tenant('a'));
  await router.check(LISTENER, RULE, undefined, tenant('a'));
  const refused = await router.check(LISTENER, RULE, BACKEND, tenant('a'));
  assert.deepEqual(refused.refused, { status: 429, filter: 'global', retryAfter: '39' });
  assert.deepEqual(refused.headers, [
    ['x-ratelimit-limit', '3, 3;w=60'],
    ['x-ratelimit-remaining', '0'],
    ['x-ratelimit-reset', '39'],
    ['x-envoy-ratelimited', 'true'],
  ]);
  assert.equal((await router.check(LISTENER, RULE, undefined, tenant('b'))).refused, undefined);
  // The refused request never reached the quota: its 2 checks a day are all still there.
  assert.equal((await router.check(LISTENER, 'other', BACKEND, tenant('a'))).refused, undefined);
  assert.equal((await router.check(LISTENER, 'other', BACKEND, tenant('a'))).refused, undefined);
  assert.equal((await router.check(LISTENER, 'other', BACKEND, tenant('a'))).refused?.status, 429);
});

test('the quota refuses after the BackendTrafficPolicy passed: headers of both, the quota\'s first (Envoy\'s encode order), no x-envoy-ratelimited', { timeout: 5000 }, async () => {
  const router = limits();
  await router.check(LISTENER, RULE, BACKEND, tenant('a'));
  await router.check(LISTENER, RULE, BACKEND, tenant('b'));
  const refused = await router.check(LISTENER, RULE, BACKEND, tenant('c'));
  assert.deepEqual(refused.refused, { status: 429, filter: 'quota', retryAfter: '56739' });
  assert.deepEqual(
    refused.headers.map(([name]) => name),
    ['x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset'],
  );
  assert.equal(refused.headers[0]?.[1], '2, 2;w=86400');
  assert.equal(refused.headers[3]?.[1], '3, 3;w=60');
});

test('a response cost is charged when the response is done: a cost of 5 spends the quota of 2, the next check is refused; no cost, no charge', { timeout: 5000 }, async () => {
  const router = limits();
  assert.equal(router.charges(RULE, undefined), false, 'the rule has no response cost');
  assert.equal(router.charges('other', BACKEND), true);
  await router.charge(LISTENER, 'other', BACKEND, { headers: new Map(), metadata: {} });
  assert.equal((await router.check(LISTENER, 'other', BACKEND, tenant('a'))).refused, undefined, 'nothing was charged without the cost');
  await router.charge(LISTENER, 'other', BACKEND, { headers: new Map(), metadata: { quota_cost: 5 } });
  assert.equal((await router.check(LISTENER, 'other', BACKEND, tenant('a'))).refused?.status, 429);
});

test('a descriptor Envoy would not send is not checked: no header, no call, no headers; no listener, no BackendTrafficPolicy domain', { timeout: 5000 }, async () => {
  let calls = 0;
  const memory = new MemoryStore({ now: () => T0 });
  const counting: RateLimitStore = { name: 'memory', increment: (counters) => ((calls += 1), memory.increment(counters)), close: () => memory.close() };
  const router = limits(counting);
  assert.deepEqual(await router.check(LISTENER, RULE, undefined, { headers: new Map(), metadata: {} }), { headers: [] });
  assert.deepEqual(await router.check(undefined, RULE, undefined, tenant('a')), { headers: [] });
  assert.equal(calls, 0);
});

test('a failing store lets requests through (failure mode allow) or answers 503 (deny)', { timeout: 5000 }, async () => {
  const broken: RateLimitStore = { name: 'redis', increment: () => Promise.reject(new Error('ECONNREFUSED')), close: () => Promise.resolve() };
  assert.deepEqual(await limits(broken).check(LISTENER, RULE, BACKEND, tenant('a')), { headers: [] });
  assert.deepEqual(await limits(broken, true).check(LISTENER, RULE, BACKEND, tenant('a')), { headers: [], refused: { status: 503 } });
});

test('x-ratelimit-* as Envoy\'s DRAFT_VERSION_03: the least remaining names limit, remaining and reset; every limit\'s policy listed', { timeout: 5000 }, () => {
  assert.deepEqual(
    rateLimitHeaders([
      { code: 'OK', limit: { requestsPerUnit: 100, unit: 'hour' }, remaining: 40, secondsUntilReset: 100 },
      { code: 'OK', remaining: 0 },
      { code: 'OK', limit: { requestsPerUnit: 10, unit: 'second' }, remaining: 3, secondsUntilReset: 1 },
      { code: 'OK', limit: { requestsPerUnit: 5, unit: 'month' }, remaining: 3, secondsUntilReset: 9 },
    ]),
    [
      ['x-ratelimit-limit', '10, 100;w=3600, 10;w=1, 5;w=2592000'],
      ['x-ratelimit-remaining', '3'],
      ['x-ratelimit-reset', '1'],
    ],
  );
  assert.deepEqual(rateLimitHeaders([{ code: 'OK', remaining: 0 }]), []);
});
