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
  checks: {
    rules: [
      {
        name: 'default/route/rule/0',
        checks: [
          {
            actions: [
              { kind: 'generic', key: 'rule-0', value: 'r' },
              { kind: 'requestHeader', header: 'x-tenant', key: 'x-tenant' },
              { kind: 'headerMatch', key: 'm', header: 'x-a', match: { exact: 'a' }, expectMatch: true },
              { kind: 'headerMatch', key: 'n', header: 'x-b', match: { regex: 'b.*' }, expectMatch: false },
              { kind: 'maskedRemoteAddress', cidr: '10.0.0.0/8', prefixLength: 8 },
              { kind: 'remoteAddress' },
            ],
            hits: { number: 0 },
          },
          { actions: [{ kind: 'generic', key: 'rule-1', value: 'rule-1' }] },
        ],
        charges: [],
      },
    ],
    backends: [
      {
        name: 'default/b/route/r/rule/0/ref/0',
        checks: [{ actions: [{ kind: 'generic', key: 'backend_name', value: 'default/b' }], hits: { number: 0 } }],
        charges: [{ actions: [{ kind: 'generic', key: 'backend_name', value: 'default/b' }], hits: { metadata: { namespace: 'io.envoy.ai_gateway', key: 'k' } } }],
      },
    ],
  },
  failureModeDeny: true,
};
const EMPTY_CHECKS = { checks: { rules: [], backends: [] }, failureModeDeny: false };
const check = (action: unknown, hits?: unknown): unknown => ({ domains: [], checks: { rules: [{ name: 'r', checks: [{ actions: [action], ...(hits !== undefined ? { hits } : {}) }], charges: [] }], backends: [] }, failureModeDeny: false });

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
    [{ domains: [] }, /rateLimit\.checks: expected an object/],
    [{ domains: [], checks: { rules: [], backends: [] } }, /rateLimit\.failureModeDeny: expected a boolean/],
    [{ domains: [], ...EMPTY_CHECKS, checks: { rules: [{ name: 'r', checks: [{ actions: [] }], charges: [] }], backends: [] } }, /checks\.rules\[0\]\.checks\[0\]\.actions: must not be empty/],
    [{ domains: [], ...EMPTY_CHECKS, checks: { rules: [{ name: 'r', checks: [] }], backends: [] } }, /checks\.rules\[0\]\.charges: expected a list/],
    [check({ kind: 'destinationCluster' }), /actions\[0\]\.kind: expected generic, requestHeader/],
    [check({ kind: 'requestHeader', key: 'k' }), /actions\[0\]\.header: expected a string/],
    [check({ kind: 'headerMatch', key: 'k', header: 'h', match: { exact: 'a' } }), /actions\[0\]\.expectMatch: expected a boolean/],
    [check({ kind: 'maskedRemoteAddress', cidr: '::/0', prefixLength: 64 }), /prefixLength: expected 0 to 32/],
    [check({ kind: 'remoteAddress' }, { number: -1 }), /hits\.number: expected an integer/],
    [check({ kind: 'remoteAddress' }, { metadata: { key: 'k' } }), /hits\.metadata\.namespace: expected a string/],
  ];
  for (const [value, message] of cases) {
    assert.throws(() => parseRateLimitConfig(value, 'rateLimit'), (error: unknown) => error instanceof AigwError && error.code === 'CONFIG' && message.test(error.message), JSON.stringify(value));
  }
});
