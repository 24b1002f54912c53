import { isRecord } from '../common/json-guards.js';
import type { DescriptorEntry } from './descriptor-tree.js';

/**
 * A `RateLimitRequest` as the service reads it, from the message grpc-js decoded (proto-loader
 * with keepCase, longs as strings, enums as strings, no defaults: an absent field is undefined).
 */
export interface RateLimitRequest {
  domain: string;
  descriptors: RequestDescriptor[];
  /** The request's `hits_addend` (0 when Envoy left it out). */
  hitsAddend: number;
}

export interface RequestDescriptor {
  entries: DescriptorEntry[];
  /**
   * The descriptor's own `hits_addend` (`UInt64Value`, field 3: see the overlay proto), when
   * Envoy sent one; 0 is a value (check without charging). Values past MAX_HITS count as MAX_HITS.
   */
  hitsAddend?: number;
}

/**
 * The most hits one descriptor adds: uint32 like the request's `hits_addend` and the limits
 * themselves (anything larger is over any limit anyway), so a counter cannot overflow Redis'
 * 64-bit integers in any realistic window.
 */
export const MAX_HITS = 0xffff_ffff;

/** A request the service refuses (gRPC INVALID_ARGUMENT), as envoyproxy/ratelimit refuses it. */
export class InvalidRateLimitRequest extends Error {
  override readonly name = 'InvalidRateLimitRequest';
}

export function parseRateLimitRequest(message: unknown): RateLimitRequest {
  if (!isRecord(message)) throw new InvalidRateLimitRequest('the request is not a message');
  const domain = message.domain ?? '';
  if (typeof domain !== 'string') throw new InvalidRateLimitRequest('domain: expected a string');
  if (domain === '') throw new InvalidRateLimitRequest('rate limit domain must not be empty');
  const descriptors = message.descriptors ?? [];
  if (!Array.isArray(descriptors)) throw new InvalidRateLimitRequest('descriptors: expected a list');
  if (descriptors.length === 0) throw new InvalidRateLimitRequest('rate limit descriptor list must not be empty');
  const hitsAddend = message.hits_addend ?? 0;
  if (typeof hitsAddend !== 'number' || !Number.isInteger(hitsAddend) || hitsAddend < 0) throw new InvalidRateLimitRequest('hits_addend: expected a uint32');
  return { domain, descriptors: descriptors.map((item: unknown, i) => parseDescriptor(item, `descriptors[${i}]`)), hitsAddend };
}

function parseDescriptor(value: unknown, path: string): RequestDescriptor {
  if (!isRecord(value)) throw new InvalidRateLimitRequest(`${path}: expected a message`);
  const entries = value.entries ?? [];
  if (!Array.isArray(entries)) throw new InvalidRateLimitRequest(`${path}.entries: expected a list`);
  const descriptor: RequestDescriptor = {
    entries: entries.map((item: unknown, i): DescriptorEntry => {
      if (!isRecord(item)) throw new InvalidRateLimitRequest(`${path}.entries[${i}]: expected a message`);
      const key = item.key ?? '';
      const rawValue = item.value ?? '';
      const entryValue = rawValue instanceof Uint8Array ? decodeDescriptorValue(rawValue) : rawValue;
      if (typeof key !== 'string' || typeof entryValue !== 'string') throw new InvalidRateLimitRequest(`${path}.entries[${i}]: key and value must be strings`);
      return { key, value: entryValue };
    }),
  };
  if (value.hits_addend !== undefined && value.hits_addend !== null) {
    if (!isRecord(value.hits_addend)) throw new InvalidRateLimitRequest(`${path}.hits_addend: expected a UInt64Value`);
    descriptor.hitsAddend = uint64(value.hits_addend.value, `${path}.hits_addend.value`);
  }
  // Envoy marks hits to give back (`is_negative_hits`, field 4): refunds are not supported, so
  // such a descriptor is checked without being charged rather than charged the wrong way.
  if (value.is_negative_hits === true) descriptor.hitsAddend = 0;
  return descriptor;
}

/** A uint64 as proto-loader gives it with `longs: String` (absent: the proto3 default, 0). */
function uint64(value: unknown, path: string): number {
  if (value === undefined || value === null) return 0;
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^\d+$/.test(text)) throw new InvalidRateLimitRequest(`${path}: expected a uint64`);
  return BigInt(text) > BigInt(MAX_HITS) ? MAX_HITS : Number(text);
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * An entry's value as Envoy sent it (`bytes` in aigw's proto overlay: a request header's bytes,
 * UTF-8 or not) as a string without losing a byte: UTF-8 decodes as usual (the key
 * envoyproxy/ratelimit would count under), and each byte that is not part of a well-formed UTF-8
 * sequence becomes the lone surrogate U+DC00 + byte (Python's "surrogateescape"), which decoded
 * UTF-8 never contains. So values differing only in such bytes (Latin-1 `jos\xe9e` and
 * `jos\xe8e`) stay apart, where decoding them to U+FFFD would make them share a counter.
 * `counterKey` writes those surrogates as `\xHH`.
 */
export function decodeDescriptorValue(bytes: Uint8Array): string {
  try {
    return UTF8.decode(bytes);
  } catch {
    let text = '';
    let i = 0;
    while (i < bytes.length) {
      const length = utf8SequenceLength(bytes, i);
      if (length === 0) {
        text += String.fromCharCode(0xdc00 + (bytes[i] ?? 0));
        i++;
      } else {
        text += UTF8.decode(bytes.subarray(i, i + length));
        i += length;
      }
    }
    return text;
  }
}

/** The length of the well-formed UTF-8 sequence at `i` (Unicode Table 3-7), 0 if there is none. */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i] ?? 0;
  const at = (offset: number, low = 0x80, high = 0xbf): boolean => {
    const byte = bytes[i + offset];
    return byte !== undefined && byte >= low && byte <= high;
  };
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return at(1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    const second = lead === 0xe0 ? at(1, 0xa0) : lead === 0xed ? at(1, 0x80, 0x9f) : at(1);
    return second && at(2) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const second = lead === 0xf0 ? at(1, 0x90) : lead === 0xf4 ? at(1, 0x80, 0x8f) : at(1);
    return second && at(2) && at(3) ? 4 : 0;
  }
  return 0;
}
