import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isAigwError } from '../common/errors.js';
import { readsClientAddress, type RateLimitAction, type RateLimitCheck } from '../contract/rate-limit-config.js';
import { addressIp, compileCheck, maskAddress, requestDescriptor, type RequestFacts } from './request-descriptors.js';

const facts = (headers: Record<string, string[]> = {}, extra: Partial<RequestFacts> = {}): RequestFacts => ({ headers: new Map(Object.entries(headers)), metadata: {}, ...extra });
const descriptor = (actions: RateLimitAction[], request: RequestFacts, hits?: RateLimitCheck['hits']): ReturnType<typeof requestDescriptor> =>
  requestDescriptor(compileCheck({ actions, ...(hits ? { hits } : {}) }, 'test'), request);

test('generic keys and request headers: the first value counts; an absent header skips the whole descriptor', { timeout: 5000 }, () => {
  const actions: RateLimitAction[] = [
    { kind: 'generic', key: 'route', value: 'r' },
    { kind: 'requestHeader', header: 'x-tenant', key: 'tenant' },
  ];
  assert.deepEqual(descriptor(actions, facts({ 'x-tenant': ['a', 'b'] })), { entries: [{ key: 'route', value: 'r' }, { key: 'tenant', value: 'a' }] });
  assert.equal(descriptor(actions, facts()), undefined);
  assert.deepEqual(descriptor(actions, facts({ 'x-tenant': [''] })), { entries: [{ key: 'route', value: 'r' }, { key: 'tenant', value: '' }] }, 'an empty value is a value');
});

test('header matches: exact and regex over every value joined by ",", the whole value, inverted by expectMatch false', { timeout: 5000 }, () => {
  const exact: RateLimitAction = { kind: 'headerMatch', key: 'm', header: 'x-plan', match: { exact: 'free' }, expectMatch: true };
  assert.deepEqual(descriptor([exact], facts({ 'x-plan': ['free'] })), { entries: [{ key: 'm', value: 'm' }] });
  assert.equal(descriptor([exact], facts({ 'x-plan': ['free', 'pro'] })), undefined, 'two values read "free,pro"');
  assert.equal(descriptor([exact], facts()), undefined);
  const regex: RateLimitAction = { kind: 'headerMatch', key: 'm', header: 'x-plan', match: { regex: 'fr.e' }, expectMatch: true };
  assert.ok(descriptor([regex], facts({ 'x-plan': ['free'] })));
  assert.equal(descriptor([regex], facts({ 'x-plan': ['freedom'] })), undefined, 'Envoy matches the whole value');
  const inverted: RateLimitAction = { ...exact, expectMatch: false };
  assert.equal(descriptor([inverted], facts({ 'x-plan': ['free'] })), undefined);
  assert.deepEqual(descriptor([inverted], facts({ 'x-plan': ['pro'] })), { entries: [{ key: 'm', value: 'm' }] });
  assert.deepEqual(descriptor([inverted], facts()), { entries: [{ key: 'm', value: 'm' }] }, 'an absent header does not match');
});

test('client address: masked as Envoy masks it, the IP alone for remote_address; no address, no descriptor', { timeout: 5000 }, () => {
  const masked = (length: number): RateLimitAction => ({ kind: 'maskedRemoteAddress', cidr: 'x', prefixLength: length });
  const at = facts({}, { sourceAddress: '10.20.30.40:51234' });
  assert.deepEqual(descriptor([masked(8)], at), { entries: [{ key: 'masked_remote_address', value: '10.0.0.0/8' }] });
  assert.deepEqual(descriptor([masked(24), { kind: 'remoteAddress' }], at), {
    entries: [
      { key: 'masked_remote_address', value: '10.20.30.0/24' },
      { key: 'remote_address', value: '10.20.30.40' },
    ],
  });
  assert.equal(descriptor([masked(8)], facts()), undefined);
  assert.deepEqual(([masked(8), { kind: 'remoteAddress' }, { kind: 'generic', key: 'k', value: 'v' }] satisfies RateLimitAction[]).map(readsClientAddress), [true, true, false], 'only these make the router ask Envoy for source.address');
  assert.equal(descriptor([{ kind: 'remoteAddress' }], facts({}, { sourceAddress: '/run/aigw/envoy.sock' })), undefined, 'a pipe is no IP address');
  assert.equal(maskAddress('255.255.255.255', 0), '0.0.0.0/0');
  assert.equal(maskAddress('192.168.7.9', 32), '192.168.7.9/32');
  assert.equal(maskAddress('192.168.7.9', 20), '192.168.0.0/20');
  assert.equal(maskAddress('::1', 8), '::1/128', 'IPv6 keeps its 128 bits');
  assert.equal(addressIp('[2001:db8::1]:443'), '2001:db8::1');
  assert.equal(addressIp('127.0.0.1:80'), '127.0.0.1');
  assert.equal(addressIp('junk'), undefined);
});

test('hits: a number, or a number in the router metadata (string or number, truncated); anything else skips the descriptor', { timeout: 5000 }, () => {
  const actions: RateLimitAction[] = [{ kind: 'generic', key: 'k', value: 'v' }];
  const key = { namespace: 'io.envoy.ai_gateway', key: 'cost' };
  assert.deepEqual(descriptor(actions, facts()), { entries: [{ key: 'k', value: 'v' }] }, 'no hits: the limiter counts 1');
  assert.equal(descriptor(actions, facts(), { number: 0 })?.hitsAddend, 0);
  assert.equal(descriptor(actions, facts({}, { metadata: { cost: '12.7' } }), { metadata: key })?.hitsAddend, 12);
  assert.equal(descriptor(actions, facts({}, { metadata: { cost: 5 } }), { metadata: key })?.hitsAddend, 5);
  for (const cost of ['', 'x', '-1', '1e10', 'NaN']) assert.equal(descriptor(actions, facts({}, { metadata: { cost } }), { metadata: key }), undefined, cost);
  assert.equal(descriptor(actions, facts({}, { metadata: { cost: 3 } }), { metadata: { namespace: 'other', key: 'cost' } }), undefined, 'the router sets no other namespace');
});

test('a regex JavaScript cannot compile is a configuration error naming the check', { timeout: 5000 }, () => {
  assert.throws(
    () => compileCheck({ actions: [{ kind: 'headerMatch', key: 'm', header: 'x-a', match: { regex: '(' }, expectMatch: true }] }, 'rateLimit.checks.rules[0].checks[1]'),
    (error: unknown) => isAigwError(error, 'CONFIG') && /rateLimit\.checks\.rules\[0\]\.checks\[1\]\.actions\[0\]: header x-a regex "\(" does not compile/.test(error.message),
  );
});
