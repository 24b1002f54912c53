import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import { contentEncodingHeader, decodeRequestBody, requestCodings } from './decode-request-body.js';
import { GatewayError } from '../errors/gateway-error.js';
import { headersMessage } from '../../test/support/test-runtime.js';

const PATH = '/v1/chat/completions';
const BODY = Buffer.from('{"model":"m","messages":[{"role":"user","content":"héllo"}]}');
const MiB = 1024 * 1024;

const isError = (status: number, pattern: RegExp) => (error: unknown) => GatewayError.isInstance(error) && error.status === status && pattern.test(error.message);

test('codings: case and whitespace as HTTP allows, x-gzip is gzip, identity and empty members are nothing', () => {
  assert.deepEqual(requestCodings(undefined, PATH), []);
  assert.deepEqual(requestCodings('identity', PATH), []);
  assert.deepEqual(requestCodings(' GZip ', PATH), ['gzip']);
  assert.deepEqual(requestCodings('x-gzip', PATH), ['gzip']);
  assert.deepEqual(requestCodings('deflate, ,BR', PATH), ['deflate', 'br']);
});

test('codings: zstd or anything unknown is a 415 naming it and what is supported', () => {
  assert.throws(() => requestCodings('zstd', PATH), isError(415, /^content-encoding "zstd" of the body for \/v1\/chat\/completions is not supported: send it uncompressed or as gzip, deflate, br$/));
  assert.throws(() => requestCodings('gzip, compress', PATH), isError(415, /"compress"/));
});

test('repeated content-encoding headers are one list, in order', () => {
  const message = headersMessage({ ':path': PATH, 'content-encoding': 'gzip' });
  message.headers?.headers?.push({ key: 'content-encoding', raw_value: Buffer.from('br') });
  assert.equal(contentEncodingHeader(message), 'gzip, br');
  assert.equal(contentEncodingHeader(headersMessage({ ':path': PATH })), undefined);
});

test('gzip, deflate (zlib-wrapped or raw), br, and several codings in turn decode to the body', async () => {
  assert.deepEqual(await decodeRequestBody(zlib.gzipSync(BODY), ['gzip'], MiB, PATH), BODY);
  assert.deepEqual(await decodeRequestBody(zlib.deflateSync(BODY), ['deflate'], MiB, PATH), BODY);
  assert.deepEqual(await decodeRequestBody(zlib.deflateRawSync(BODY), ['deflate'], MiB, PATH), BODY);
  assert.deepEqual(await decodeRequestBody(zlib.brotliCompressSync(BODY), ['br'], MiB, PATH), BODY);
  // `content-encoding: gzip, br`: gzip was applied first, so br is undone first.
  assert.deepEqual(await decodeRequestBody(zlib.brotliCompressSync(zlib.gzipSync(BODY)), ['gzip', 'br'], MiB, PATH), BODY);
});

test('a body that decodes to more than the buffer limit is a 413 (a bomb is not expanded whole)', async () => {
  const bomb = zlib.gzipSync(Buffer.alloc(64 * MiB, 0x20));
  assert.ok(bomb.length < 100_000);
  await assert.rejects(decodeRequestBody(bomb, ['gzip'], MiB, PATH), isError(413, /^the gzip-encoded body for \/v1\/chat\/completions decodes to more than the gateway's buffer limit of 1048576 bytes/));
  await assert.rejects(decodeRequestBody(zlib.brotliCompressSync(Buffer.alloc(2 * MiB)), ['br'], MiB, PATH), isError(413, /br-encoded/));
  assert.equal((await decodeRequestBody(zlib.gzipSync(Buffer.alloc(MiB)), ['gzip'], MiB, PATH)).length, MiB, 'exactly the limit is fine');
});

test('data that is not what its coding says is a 400 naming the coding', async () => {
  await assert.rejects(decodeRequestBody(BODY, ['gzip'], MiB, PATH), isError(400, /^the body for \/v1\/chat\/completions is not valid gzip data \(content-encoding\): incorrect header check$/));
  await assert.rejects(decodeRequestBody(zlib.gzipSync(BODY).subarray(0, 20), ['gzip'], MiB, PATH), isError(400, /not valid gzip data.*unexpected end of file/));
  await assert.rejects(decodeRequestBody(Buffer.from('not brotli at all'), ['br'], MiB, PATH), isError(400, /not valid br data/));
  await assert.rejects(decodeRequestBody(BODY, ['deflate'], MiB, PATH), isError(400, /not valid deflate data/));
});
