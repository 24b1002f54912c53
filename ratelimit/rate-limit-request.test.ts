import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InvalidRateLimitRequest, MAX_HITS, parseRateLimitRequest } from './rate-limit-request.js';

test('reads what proto-loader decodes: absent fields undefined, uint64 as a string, an empty wrapper as 0', { timeout: 5000 }, () => {
  const request = parseRateLimitRequest({
    domain: 'd',
    descriptors: [{ entries: [{ key: 'k', value: 'v' }] }, { entries: [{ key: 'k' }], hits_addend: { value: '7' } }, { entries: [], hits_addend: {} }, { entries: [], hits_addend: { value: '99999999999999999999' } }, { hits_addend: { value: '5' }, is_negative_hits: true }],
    hits_addend: 3,
  });
  assert.deepEqual(request, {
    domain: 'd',
    hitsAddend: 3,
    descriptors: [{ entries: [{ key: 'k', value: 'v' }] }, { entries: [{ key: 'k', value: '' }], hitsAddend: 7 }, { entries: [], hitsAddend: 0 }, { entries: [], hitsAddend: MAX_HITS }, { entries: [], hitsAddend: 0 }],
  });
  assert.equal(parseRateLimitRequest({ domain: 'd', descriptors: [{}] }).hitsAddend, 0);
});

test('refuses what envoyproxy/ratelimit refuses, and anything mistyped', { timeout: 5000 }, () => {
  for (const message of [undefined, 'x', {}, { domain: '' , descriptors: [{}] }, { domain: 'd' }, { domain: 'd', descriptors: [] }, { domain: 1, descriptors: [{}] }, { domain: 'd', descriptors: [{ entries: [{ key: 1 }] }] }, { domain: 'd', descriptors: [{ hits_addend: { value: '-1' } }] }, { domain: 'd', descriptors: [{}], hits_addend: -1 }]) {
    assert.throws(() => parseRateLimitRequest(message), InvalidRateLimitRequest, JSON.stringify(message));
  }
});
