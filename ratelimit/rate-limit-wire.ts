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

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

const UTF8 = new TextDecoder('utf-8');

/** Reads `RateLimitRequest` (with the same checks and messages as envoyproxy/ratelimit). */
export function decodeRateLimitRequest(bytes: Uint8Array): RateLimitRequest {
  const reader = new Reader(bytes);
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

function decodeDescriptor(bytes: Uint8Array): RequestDescriptor {
  const reader = new Reader(bytes);
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

function decodeEntry(bytes: Uint8Array): { key: string; value: string } {
  const reader = new Reader(bytes);
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
function decodeUInt64Value(bytes: Uint8Array): number {
  const reader = new Reader(bytes);
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

class Reader {
  private offset = 0;

  constructor(private readonly buffer: Uint8Array) {}

  done(): boolean {
    return this.offset >= this.buffer.length;
  }

  tag(): [field: number, wire: number] {
    const tag = this.varint();
    const field = Math.floor(tag / 8);
    if (field === 0) throw new InvalidRateLimitRequest('malformed message: field number 0');
    return [field, tag % 8];
  }

  /** An unsigned varint as a number (exact below 2^53; larger values only need to compare as large). */
  varint(): number {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const byte = this.buffer[this.offset++];
      if (byte === undefined) throw new InvalidRateLimitRequest('malformed message: truncated varint');
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 128;
    }
    throw new InvalidRateLimitRequest('malformed message: varint longer than 10 bytes');
  }

  bytes(): Uint8Array {
    const length = this.varint();
    const end = this.offset + length;
    if (end > this.buffer.length) throw new InvalidRateLimitRequest('malformed message: length past the end');
    const slice = this.buffer.subarray(this.offset, end);
    this.offset = end;
    return slice;
  }

  skip(wire: number): void {
    if (wire === VARINT) this.varint();
    else if (wire === LENGTH_DELIMITED) this.bytes();
    else if (wire === FIXED64 || wire === FIXED32) {
      this.offset += wire === FIXED64 ? 8 : 4;
      if (this.offset > this.buffer.length) throw new InvalidRateLimitRequest('malformed message: fixed field past the end');
    } else throw new InvalidRateLimitRequest(`malformed message: wire type ${wire}`);
  }
}

const CODES: Readonly<Record<RateLimitCode, number>> = { OK: 1, OVER_LIMIT: 2 };
const UNITS: Readonly<Record<RateLimitUnit, number>> = { second: 1, minute: 2, hour: 3, day: 4, month: 5, year: 6 };

/**
 * Writes `RateLimitResponse`: the overall code decides 429 or not, and with
 * `enable_x_ratelimit_headers: DRAFT_VERSION_03` Envoy builds `x-ratelimit-limit`, `-remaining`
 * and `-reset` from each status's limit, remaining and time to reset.
 */
export function encodeRateLimitResponse(decision: RateLimitDecision): Buffer {
  const writer = new Writer();
  writer.varintField(1, CODES[decision.overallCode]);
  for (const status of decision.statuses) writer.messageField(2, encodeStatus(status));
  return writer.finish();
}

function encodeStatus(status: DescriptorDecision): Buffer {
  const writer = new Writer();
  writer.varintField(1, CODES[status.code]);
  if (status.limit) {
    const limit = new Writer();
    limit.varintField(1, status.limit.requestsPerUnit);
    limit.varintField(2, UNITS[status.limit.unit]);
    writer.messageField(2, limit.finish());
  }
  writer.varintField(3, status.remaining);
  if (status.secondsUntilReset !== undefined) {
    const duration = new Writer();
    duration.varintField(1, status.secondsUntilReset);
    writer.messageField(4, duration.finish());
  }
  return writer.finish();
}

class Writer {
  private readonly bytes: number[] = [];
  private readonly parts: Buffer[] = [];

  /** Proto3: a zero scalar is not written. */
  varintField(field: number, value: number): void {
    if (value === 0) return;
    this.varint(field * 8 + VARINT);
    this.varint(value);
  }

  messageField(field: number, message: Buffer): void {
    this.varint(field * 8 + LENGTH_DELIMITED);
    this.varint(message.length);
    this.flush();
    this.parts.push(message);
  }

  finish(): Buffer {
    this.flush();
    return this.parts.length === 1 && this.parts[0] ? this.parts[0] : Buffer.concat(this.parts);
  }

  /** Non-negative integers below 2^53 (counts, limits, seconds). */
  private varint(value: number): void {
    let rest = Math.max(0, Math.floor(value));
    while (rest >= 0x80) {
      this.bytes.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    this.bytes.push(rest);
  }

  private flush(): void {
    if (this.bytes.length === 0) return;
    this.parts.push(Buffer.from(this.bytes));
    this.bytes.length = 0;
  }
}
