import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AigwError } from '../common/errors.js';
import { FILTER_CONFIG_VERSION } from './filter-config.js';
import { parseFilterConfig } from './parse-filter-config.js';
import { parseRateLimitConfig } from './parse-rate-limit-config.js';

const VALID = {
  domains: [
    {
      domain: 'default/gw/http',
      descriptors: [
        { key: 'rule-0', value: 'r', source: 'BackendTrafficPolicy default/rl rule 0', descriptors: [{ key: 'x-tenant', rateLimit: { requestsPerUnit: 10, unit: 'minute' }, shadowMode: false }] },
        { key: 'rule-1', rateLimit: { requestsPerUnit: 0, unit: 'year' }, shadowMode: true },
      ],
    },
  ],
};

test('reads every field of the rate-limit part, and the filter config carries it', { timeout: 5000 }, () => {
  assert.deepEqual(parseRateLimitConfig(VALID, 'rateLimit'), VALID);
  const config = parseFilterConfig({ version: FILTER_CONFIG_VERSION, rules: [], backends: [], routes: [], models: [], rateLimit: VALID });
  assert.deepEqual(config.rateLimit, VALID);
  assert.equal(parseFilterConfig({ version: FILTER_CONFIG_VERSION, rules: [], backends: [], routes: [], models: [] }).rateLimit, undefined);
});

test('names the field that is wrong', { timeout: 5000 }, () => {
  const cases: [unknown, RegExp][] = [
    [{}, /rateLimit\.domains: expected a list/],
    [{ domains: [{ domain: '', descriptors: [] }] }, /rateLimit\.domains\[0\]\.domain: must not be empty/],
    [{ domains: [{ domain: 'd', descriptors: [] }, { domain: 'd', descriptors: [] }] }, /duplicate domain "d"/],
    [{ domains: [{ domain: 'd', descriptors: [{ key: '' }] }] }, /descriptors\[0\]\.key: must not be empty/],
    [{ domains: [{ domain: 'd', descriptors: [{ key: 'k', value: 1 }] }] }, /descriptors\[0\]\.value: expected a string/],
    [{ domains: [{ domain: 'd', descriptors: [{ key: 'k' }, { key: 'k' }] }] }, /descriptors\[1\]: duplicate descriptor "k"/],
    [{ domains: [{ domain: 'd', descriptors: [{ key: 'k', value: 'v' }, { key: 'k', value: 'v' }] }] }, /duplicate descriptor "k_v"/],
    [{ domains: [{ domain: 'd', descriptors: [{ key: 'k', rateLimit: { requestsPerUnit: 1.5, unit: 'minute' } }] }] }, /requestsPerUnit: expected an integer/],
    [{ domains: [{ domain: 'd', descriptors: [{ key: 'k', rateLimit: { requestsPerUnit: 2 ** 32, unit: 'minute' } }] }] }, /requestsPerUnit/],
    [{ domains: [{ domain: 'd', descriptors: [{ key: 'k', rateLimit: { requestsPerUnit: 1, unit: 'week' } }] }] }, /unit: expected one of second, minute/],
    [{ domains: [{ domain: 'd', descriptors: [{ key: 'k', shadowMode: 'yes' }] }] }, /shadowMode: expected a boolean/],
    [{ domains: [{ domain: 'd', descriptors: [{ key: 'k', source: 3 }] }] }, /source: expected a string/],
    [{ domains: [{ domain: 'd', descriptors: [{ key: 'k', descriptors: {} }] }] }, /descriptors\[0\]\.descriptors: expected a list/],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => parseRateLimitConfig(value, 'rateLimit'), (error: unknown) => error instanceof AigwError && error.code === 'CONFIG' && message.test(error.message), JSON.stringify(value));
  }
});
