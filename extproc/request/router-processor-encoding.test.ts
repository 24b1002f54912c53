/** The router with compressed request bodies: read decoded, forwarded as they came unless rewritten. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import type { HeaderMutation } from '../generated/envoy/service/ext_proc/v3/HeaderMutation.js';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import { isRecord } from '../../common/json-guards.js';
import { RouterProcessor } from './router-processor.js';
import { headersMessage, testRuntime } from '../../test/support/test-runtime.js';

function setHeaders(mutation: HeaderMutation | null | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const entry of mutation?.set_headers ?? []) if (entry.header?.key) result[entry.header.key] = Buffer.from(entry.header.raw_value ?? '').toString();
  return result;
}

async function route(body: Buffer, encoding: string, path = '/v1/chat/completions', bufferLimit?: number): Promise<ProcessingResponse> {
  const router = new RouterProcessor(testRuntime(), { bufferLimitBytes: bufferLimit });
  const headers = router.requestHeaders(headersMessage({ ':path': path, 'content-encoding': encoding }));
  if (headers.immediate_response) return headers;
  return router.requestBody({ body, end_of_stream: true });
}

function error(response: ProcessingResponse): { status: unknown; body: unknown } {
  return { status: response.immediate_response?.status?.code, body: JSON.parse(Buffer.from(response.immediate_response?.body ?? '').toString()) };
}

test('a gzip body is routed on its decoded model and forwarded as it came when nothing changes', async () => {
  const gzipped = zlib.gzipSync('{"model":"gpt-4o-mini","messages":[]}');
  const response = (await route(gzipped, 'GZIP')).request_body?.response;
  assert.equal(setHeaders(response?.header_mutation)['x-ai-eg-model'], 'gpt-4o-mini');
  assert.equal(response?.body_mutation, undefined, 'the compressed bytes go on untouched');
  assert.ok(!response?.header_mutation?.remove_headers?.includes('content-encoding'));
});

test('a rewritten body (model override) goes decoded, without content-encoding, with its length', async () => {
  const response = (await route(zlib.brotliCompressSync('{"model":"alias","messages":[]}'), 'br')).request_body?.response;
  const body = Buffer.from(response?.body_mutation?.body ?? '').toString();
  assert.equal(body, '{"model":"real-model","messages":[]}');
  assert.equal(setHeaders(response?.header_mutation)['content-length'], String(body.length));
  assert.ok(response?.header_mutation?.remove_headers?.includes('content-encoding'));
});

test('upstream mode: the body goes on decoded, since each attempt may rewrite it', async () => {
  const response = (await route(zlib.deflateSync('{"model":"fallback-1"}'), 'deflate')).request_body?.response;
  assert.equal(Buffer.from(response?.body_mutation?.body ?? '').toString(), '{"model":"fallback-1"}');
  assert.ok(response?.header_mutation?.remove_headers?.includes('content-encoding'));
});

test('zstd is a 415 at the headers, in the client API shape; a bomb a 413; corrupt data a 400', async () => {
  assert.deepEqual(error(await route(Buffer.from('x'), 'zstd')), {
    status: 'UnsupportedMediaType',
    body: { type: 'error', error: { type: 'UnsupportedMediaType', code: '415', message: 'content-encoding "zstd" of the body for /v1/chat/completions is not supported: send it uncompressed or as gzip, deflate, br' } },
  });
  const anthropic = error(await route(Buffer.from('x'), 'zstd', '/anthropic/v1/messages'));
  assert.ok(isRecord(anthropic.body) && isRecord(anthropic.body.error));
  assert.equal(anthropic.body.error.type, 'invalid_request_error');

  const bomb = error(await route(zlib.gzipSync(Buffer.alloc(4096, 0x20)), 'gzip', '/v1/chat/completions', 1024));
  assert.equal(bomb.status, 'PayloadTooLarge');
  assert.ok(isRecord(bomb.body) && isRecord(bomb.body.error));
  assert.match(String(bomb.body.error.message), /gzip-encoded body .* decodes to more than the gateway's buffer limit of 1024 bytes/);

  const corrupt = error(await route(Buffer.from('{"model":"gpt-4o-mini"}'), 'gzip'));
  assert.equal(corrupt.status, 'BadRequest');
  assert.ok(isRecord(corrupt.body) && isRecord(corrupt.body.error));
  assert.match(String(corrupt.body.error.message), /^malformed request: the body for \/v1\/chat\/completions is not valid gzip data/);
});
