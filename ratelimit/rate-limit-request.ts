import type { DescriptorEntry } from './descriptor-tree.js';

/** A `RateLimitRequest` as the service reads it (decoded by rate-limit-wire.ts). */
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
