import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadRateLimitService } from '../test/support/rate-limit-proto.js';
import { decodeDescriptorValue, InvalidRateLimitRequest, MAX_HITS } from './rate-limit-request.js';
import { decodeRateLimitRequest, encodeRateLimitResponse } from './rate-limit-wire.js';

// The generic protobuf codec from the vendored protos: the reference both directions are checked against.
const method = loadRateLimitService().ShouldRateLimit;
assert.ok(method);
const encodeRequest = (request: object): Buffer => method.requestSerialize(request);
const decodeResponse = (bytes: Buffer): unknown => method.responseDeserialize(bytes);

test('decodeRateLimitRequest reads what the generic encoder writes: absent fields as defaults, UInt64Value hits (0 is a value), caps, negative hits', { timeout: 5000 }, () => {
  const request = decodeRateLimitRequest(
    encodeRequest({
      domain: 'd',
      descriptors: [
        { entries: [{ key: 'k', value: Buffer.from('v') }] },
        { entries: [{ key: 'k' }], hits_addend: { value: '7' } },
        { entries: [], hits_addend: {} },
        { entries: [], hits_addend: { value: '18446744073709551615' } },
        { hits_addend: { value: '5' }, is_negative_hits: true },
        { entries: [{ key: 'a', value: Buffer.from('1') }, { key: 'b', value: Buffer.from('2') }], limit: { requests_per_unit: 9, unit: 'SECOND' } },
      ],
      hits_addend: 3,
    }),
  );
  assert.deepEqual(request, {
    domain: 'd',
    hitsAddend: 3,
    descriptors: [
      { entries: [{ key: 'k', value: 'v' }] },
      { entries: [{ key: 'k', value: '' }], hitsAddend: 7 },
      { entries: [], hitsAddend: 0 },
      { entries: [], hitsAddend: MAX_HITS },
      { entries: [], hitsAddend: 0 },
      { entries: [{ key: 'a', value: '1' }, { key: 'b', value: '2' }] },
    ],
  });
  assert.equal(decodeRateLimitRequest(encodeRequest({ domain: 'd', descriptors: [{}] })).hitsAddend, 0);
});

test('decodeRateLimitRequest refuses what envoyproxy/ratelimit refuses and any malformed message', { timeout: 5000 }, () => {
  const valid = encodeRequest({ domain: 'd', descriptors: [{ entries: [{ key: 'k', value: Buffer.from('v') }] }] });
  for (const bytes of [
    encodeRequest({ domain: '', descriptors: [{}] }),
    encodeRequest({ domain: 'd' }),
    encodeRequest({ domain: 'd', descriptors: [] }),
    valid.subarray(0, valid.length - 1), // truncated
    Buffer.from([0x0a, 0x05, 0x61]), // a length past the end
    Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]), // an 11-byte varint
    Buffer.from([0x00]), // field 0
    Buffer.from([0x0b]), // a group (wire type 3)
  ]) {
    assert.throws(() => decodeRateLimitRequest(bytes), InvalidRateLimitRequest, bytes.toString('hex'));
  }
  // Unknown fields of every wire type are skipped.
  const unknown = Buffer.concat([Buffer.from([0x78, 0x01, 0x81, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0x8d, 0x01, 1, 2, 3, 4, 0x92, 0x01, 0x01, 0x00]), valid]);
  assert.equal(decodeRateLimitRequest(unknown).domain, 'd');
});

test('entry values arrive as bytes: UTF-8 decodes as usual; bytes that are not UTF-8 stay distinct (never U+FFFD)', { timeout: 5000 }, () => {
  const value = (bytes: number[] | string): string => {
    const request = decodeRateLimitRequest(encodeRequest({ domain: 'd', descriptors: [{ entries: [{ key: 'tenant', value: typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : Buffer.from(bytes) }] }] }));
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
});

test('encodeRateLimitResponse writes what the generic decoder reads: codes and units, remaining, duration_until_reset, no current_limit without a limit', { timeout: 5000 }, () => {
  const bytes = encodeRateLimitResponse({
    overallCode: 'OVER_LIMIT',
    statuses: [
      { code: 'OVER_LIMIT', limit: { requestsPerUnit: 3, unit: 'minute' }, remaining: 0, secondsUntilReset: 39 },
      { code: 'OK', remaining: 0 },
      { code: 'OK', limit: { requestsPerUnit: 4_000_000_000, unit: 'year' }, remaining: 3_999_999_000, secondsUntilReset: 31_535_999 },
    ],
  });
  assert.deepEqual(decodeResponse(bytes), {
    overall_code: 'OVER_LIMIT',
    statuses: [
      { code: 'OVER_LIMIT', current_limit: { requests_per_unit: 3, unit: 'MINUTE' }, duration_until_reset: { seconds: '39' } },
      { code: 'OK' },
      { code: 'OK', current_limit: { requests_per_unit: 4_000_000_000, unit: 'YEAR' }, limit_remaining: 3_999_999_000, duration_until_reset: { seconds: '31535999' } },
    ],
  });
  assert.deepEqual(decodeResponse(encodeRateLimitResponse({ overallCode: 'OK', statuses: [] })), { overall_code: 'OK' });
});
