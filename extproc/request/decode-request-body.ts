import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { GatewayError, malformedRequest } from '../errors/gateway-error.js';
import type { HttpHeaders__Output } from '../generated/envoy/service/ext_proc/v3/HttpHeaders.js';

/** A content coding the gateway can undo (`x-gzip` is read as `gzip`, RFC 9110 §8.4.1.3). */
export type RequestCoding = 'gzip' | 'deflate' | 'br';

/** The codings a request body may come in, as named in the 415 for any other. */
export const SUPPORTED_REQUEST_CODINGS: readonly RequestCoding[] = ['gzip', 'deflate', 'br'];

const ALIASES: Readonly<Record<string, RequestCoding>> = { gzip: 'gzip', 'x-gzip': 'gzip', deflate: 'deflate', br: 'br' };

type Decompress = (body: Buffer, options: zlib.ZlibOptions | zlib.BrotliOptions) => Promise<Buffer>;
const gunzip: Decompress = promisify(zlib.gunzip);
const inflate: Decompress = promisify(zlib.inflate);
const inflateRaw: Decompress = promisify(zlib.inflateRaw);
const brotliDecompress: Decompress = promisify(zlib.brotliDecompress);

/**
 * Every `content-encoding` value of a request's headers, joined as HTTP joins repeated fields,
 * or undefined when there is none. (pickHeaders keeps one value per name; a coding left out
 * would make the gateway read compressed bytes as the body.)
 */
export function contentEncodingHeader(message: HttpHeaders__Output | undefined): string | undefined {
  const values: string[] = [];
  for (const header of message?.headers?.headers ?? []) {
    if (header.key !== 'content-encoding') continue;
    values.push(header.raw_value && header.raw_value.length > 0 ? header.raw_value.toString('utf8') : (header.value ?? ''));
  }
  return values.length > 0 ? values.join(', ') : undefined;
}

/**
 * The codings in a `content-encoding` value, in the order they were applied (case-insensitive,
 * `identity` and empty members dropped).
 * @throws GatewayError 415 naming a coding the gateway cannot decode (zstd: Node 20's zlib has none).
 */
export function requestCodings(header: string | undefined, path: string): RequestCoding[] {
  if (header === undefined) return [];
  const codings: RequestCoding[] = [];
  for (const member of header.split(',')) {
    const name = member.trim().toLowerCase();
    if (name === '' || name === 'identity') continue;
    const coding = ALIASES[name];
    if (!coding) {
      const shown = JSON.stringify(member.trim());
      throw new GatewayError('UNSUPPORTED_MEDIA_TYPE', 415, `content-encoding ${shown} of the body for ${path} is not supported: send it uncompressed or as ${SUPPORTED_REQUEST_CODINGS.join(', ')}`);
    }
    codings.push(coding);
  }
  return codings;
}

/**
 * The body with its codings undone (last applied, first undone), so the gateway reads what the
 * client meant. Each step stops at `limitBytes`, the listener's buffer limit: a small compressed
 * body must not expand into more than Envoy would have buffered uncompressed (a decompression
 * bomb). zlib runs on the thread pool, so a large body does not hold up other requests.
 * @throws GatewayError 413 when the decoded body outgrows the limit, 400 for data that is not
 *   what its coding says.
 */
export async function decodeRequestBody(body: Buffer, codings: readonly RequestCoding[], limitBytes: number, path: string): Promise<Buffer> {
  let decoded = body;
  for (const coding of [...codings].reverse()) {
    try {
      decoded = await decode(coding, decoded, limitBytes);
    } catch (error) {
      if (error instanceof RangeError && 'code' in error && error.code === 'ERR_BUFFER_TOO_LARGE') {
        throw new GatewayError('PAYLOAD_TOO_LARGE', 413, `the ${coding}-encoded body for ${path} decodes to more than the gateway's buffer limit of ${limitBytes} bytes; raise it with a ClientTrafficPolicy spec.connection.bufferLimit`, { cause: error });
      }
      const reason = error instanceof Error ? error.message : String(error);
      throw malformedRequest(`the body for ${path} is not valid ${coding} data (content-encoding): ${reason}`, error);
    }
  }
  return decoded;
}

async function decode(coding: RequestCoding, body: Buffer, limitBytes: number): Promise<Buffer> {
  const options = { maxOutputLength: limitBytes };
  switch (coding) {
    case 'gzip':
      return gunzip(body, options);
    case 'br':
      return brotliDecompress(body, options);
    case 'deflate':
      // RFC 9110's deflate is zlib-wrapped, but some clients send raw deflate (as browsers accept it).
      return hasZlibHeader(body) ? inflate(body, options) : inflateRaw(body, options);
  }
}

/** RFC 1950: method 8 (deflate) in the low bits of the first byte, and the two bytes a multiple of 31. */
function hasZlibHeader(body: Buffer): boolean {
  const first = body[0] ?? 0;
  return body.length >= 2 && (first & 0x0f) === 8 && (first * 256 + (body[1] ?? 0)) % 31 === 0;
}
