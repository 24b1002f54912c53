import { LENGTH_DELIMITED, ProtoReader, ProtoWriter, VARINT } from '../common/protobuf-wire.js';
import type { RateLimitUnit } from '../contract/rate-limit-config.js';
import { decodeDescriptorValue, InvalidRateLimitRequest, MAX_HITS, type RateLimitRequest, type RequestDescriptor } from './rate-limit-request.js';
import type { DescriptorDecision, RateLimitCode, RateLimitDecision } from './rate-limiter.js';

/**
 * The protobuf wire format of the two messages the service exchanges, read and written directly:
 * `RateLimitRequest` into the typed request (no intermediate object, no generic decoder) and
 * `RateLimitResponse` from the decision. Both run twice per rate-limited request (the check, and
 * the charge when the stream ends); the generic path (proto-loader's object conversion inside
 * grpc-js) cost more CPU per request than the rest of the ext_proc's work together. Field numbers:
 * `extproc/proto/envoy/service/ratelimit/v3/rls.proto` and the overlay
 * `extproc/proto/envoy/extensions/common/ratelimit/v3/ratelimit.proto`; the tests check both
 * directions against the generic codec from those files.
 */

const UTF8 = new TextDecoder('utf-8');
const invalid = (message: string): Error => new InvalidRateLimitRequest(message);

/** Reads `RateLimitRequest` (with the same checks and messages as envoyproxy/ratelimit). */
export function decodeRateLimitRequest(bytes: Buffer): RateLimitRequest {
  const reader = new ProtoReader(bytes, invalid);
  let domain = '';
  const descriptors: RequestDescriptor[] = [];
  let hitsAddend = 0;
  while (!reader.done()) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === LENGTH_DELIMITED) domain = UTF8.decode(reader.bytes());
    else if (field === 2 && wire === LENGTH_DELIMITED) descriptors.push(decodeDescriptor(reader.bytes()));
    else if (field === 3 && wire === VARINT) hitsAddend = capped(reader.varint());
    else reader.skip(wire);
  }
  if (domain === '') throw new InvalidRateLimitRequest('rate limit domain must not be empty');
  if (descriptors.length === 0) throw new InvalidRateLimitRequest('rate limit descriptor list must not be empty');
  return { domain, descriptors, hitsAddend };
}

function decodeDescriptor(bytes: Buffer): RequestDescriptor {
  const reader = new ProtoReader(bytes, invalid);
  const descriptor: RequestDescriptor = { entries: [] };
  let negative = false;
  while (!reader.done()) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === LENGTH_DELIMITED) descriptor.entries.push(decodeEntry(reader.bytes()));
    else if (field === 3 && wire === LENGTH_DELIMITED) descriptor.hitsAddend = decodeUInt64Value(reader.bytes());
    else if (field === 4 && wire === VARINT) negative = reader.varint() !== 0;
    else reader.skip(wire); // field 2: the `limit` override, not honoured (the configuration decides)
  }
  // Envoy marks hits to give back (`is_negative_hits`): refunds are not supported, so such a
  // descriptor is checked without being charged rather than charged the wrong way.
  if (negative) descriptor.hitsAddend = 0;
  return descriptor;
}

function decodeEntry(bytes: Buffer): { key: string; value: string } {
  const reader = new ProtoReader(bytes, invalid);
  let key = '';
  let value = '';
  while (!reader.done()) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === LENGTH_DELIMITED) key = UTF8.decode(reader.bytes());
    else if (field === 2 && wire === LENGTH_DELIMITED) value = decodeDescriptorValue(reader.bytes());
    else reader.skip(wire);
  }
  return { key, value };
}

/** `google.protobuf.UInt64Value`: present means set, 0 included (check without charging). */
function decodeUInt64Value(bytes: Buffer): number {
  const reader = new ProtoReader(bytes, invalid);
  let value = 0;
  while (!reader.done()) {
    const [field, wire] = reader.tag();
    if (field === 1 && wire === VARINT) value = capped(reader.varint());
    else reader.skip(wire);
  }
  return value;
}

/** Hits past MAX_HITS count as MAX_HITS (over any limit anyway); a varint is exact only to 2^53, enough for that. */
function capped(value: number): number {
  return value > MAX_HITS ? MAX_HITS : value;
}

const CODES: Readonly<Record<RateLimitCode, number>> = { OK: 1, OVER_LIMIT: 2 };
const UNITS: Readonly<Record<RateLimitUnit, number>> = { second: 1, minute: 2, hour: 3, day: 4, month: 5, year: 6 };

/**
 * Writes `RateLimitResponse`: the overall code decides 429 or not, and with
 * `enable_x_ratelimit_headers: DRAFT_VERSION_03` Envoy builds `x-ratelimit-limit`, `-remaining`
 * and `-reset` from each status's limit, remaining and time to reset.
 */
export function encodeRateLimitResponse(decision: RateLimitDecision): Buffer {
  const writer = new ProtoWriter(64 + 48 * decision.statuses.length);
  writer.varintField(1, CODES[decision.overallCode]);
  for (const status of decision.statuses) writer.messageField(2, () => writeStatus(writer, status));
  return writer.finish();
}

function writeStatus(writer: ProtoWriter, status: DescriptorDecision): void {
  writer.varintField(1, CODES[status.code]);
  const limit = status.limit;
  if (limit) {
    writer.messageField(2, () => {
      writer.varintField(1, limit.requestsPerUnit);
      writer.varintField(2, UNITS[limit.unit]);
    });
  }
  writer.varintField(3, status.remaining);
  const seconds = status.secondsUntilReset;
  if (seconds !== undefined) writer.messageField(4, () => writer.varintField(1, seconds));
}
