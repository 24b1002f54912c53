import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeDescriptorValue, InvalidRateLimitRequest, MAX_HITS, parseRateLimitRequest } from './rate-limit-request.js';

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

test('entry values arrive as bytes: UTF-8 decodes as usual; bytes that are not UTF-8 stay distinct (never U+FFFD)', { timeout: 5000 }, () => {
  const value = (bytes: number[] | string): string => {
    const request = parseRateLimitRequest({ domain: 'd', descriptors: [{ entries: [{ key: 'tenant', value: typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes) }] }] });
    return request.descriptors[0]?.entries[0]?.value ?? '';
  };
  assert.equal(value('tenant-a'), 'tenant-a');
  assert.equal(value('租户-élève-🚀-\ufffd'), '租户-élève-🚀-\ufffd', 'valid UTF-8, U+FFFD included, is kept as is');
  assert.equal(decodeDescriptorValue(new Uint8Array()), '');
  // Latin-1 "josée" / "josèe": one invalid byte each, each its own lone surrogate.
  assert.equal(value([0x6a, 0x6f, 0x73, 0xe9, 0x65]), 'jos\udce9e');
  assert.equal(value([0x6a, 0x6f, 0x73, 0xe8, 0x65]), 'jos\udce8e');
  assert.notEqual(value([0x71, 0xff]), value([0x71, 0xfe]));
  assert.notEqual(value([0x71, 0xff]), value('q\ufffd'));
  // Valid sequences around invalid ones decode; truncated, overlong and surrogate encodings are bytes.
  assert.equal(value([0xc3, 0xa9, 0xff, 0xc3, 0xa9]), 'é\udcffé');
  assert.equal(value([0xe2, 0x82]), '\udce2\udc82', 'a truncated sequence');
  assert.equal(value([0xc0, 0xaf]), '\udcc0\udcaf', 'an overlong "/"');
  assert.equal(value([0xed, 0xa0, 0x80]), '\udced\udca0\udc80', 'an encoded surrogate');
  assert.equal(value([0xf4, 0x90, 0x80, 0x80]), '\udcf4\udc90\udc80\udc80', 'past U+10FFFF');
  assert.equal(value([0xf0, 0x90, 0x80, 0x80, 0x80]), '\u{10000}\udc80');
  // A string (what a test client may pass) is taken as it is.
  assert.equal(parseRateLimitRequest({ domain: 'd', descriptors: [{ entries: [{ key: 'k', value: 'v' }] }] }).descriptors[0]?.entries[0]?.value, 'v');
});
