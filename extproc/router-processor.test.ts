import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRecord } from './json-guards.js';
import { RouterProcessor } from './router-processor.js';
import { headersMessage, testFilterConfig, testRuntime } from './test-runtime.js';

function headerValue(set: { header?: { key?: string; raw_value?: Buffer | Uint8Array | string } | null }[] | undefined, key: string): string | undefined {
  const raw = set?.find((entry) => entry.header?.key === key)?.header?.raw_value;
  return raw === undefined ? undefined : Buffer.from(raw).toString('utf8');
}

test('sets x-ai-eg-model from the body and asks Envoy to route again', () => {
  const router = new RouterProcessor(testRuntime());
  const headers = router.requestHeaders(headersMessage({ ':path': '/v1/chat/completions', ':method': 'POST', 'x-ai-eg-model': 'spoofed' }));
  assert.deepEqual(headers.request_headers?.response?.header_mutation?.remove_headers, ['x-ai-eg-model', 'x-ai-eg-original-path']);
  const body = router.requestBody({ body: Buffer.from('{"model":"gpt-4o-mini","messages":[]}'), end_of_stream: true });
  const response = body.request_body?.response;
  assert.equal(response?.clear_route_cache, true);
  assert.equal(headerValue(response?.header_mutation?.set_headers ?? undefined, 'x-ai-eg-model'), 'gpt-4o-mini');
  assert.equal(headerValue(response?.header_mutation?.set_headers ?? undefined, 'x-ai-eg-original-path'), '/v1/chat/completions');
  assert.equal(response?.body_mutation, undefined, 'a non-streaming body passes unchanged');
});

test('malformed JSON and a missing model answer 400 in the OpenAI error shape', () => {
  for (const [body, pattern] of [
    ['{"model":', /failed to parse JSON for \/v1\/chat\/completions/],
    ['{"messages":[]}', /missing required field "model"/],
    ['{"model":42}', /"model" must be a non-empty string/],
    ['[1,2]', /must be a JSON object/],
  ] as const) {
    const router = new RouterProcessor(testRuntime());
    router.requestHeaders(headersMessage({ ':path': '/v1/chat/completions' }));
    const response = router.requestBody({ body: Buffer.from(body), end_of_stream: true });
    const immediate = response.immediate_response;
    assert.equal(immediate?.status?.code, 'BadRequest');
    const parsed: unknown = JSON.parse(Buffer.from(immediate?.body ?? '').toString());
    const error = isRecord(parsed) && isRecord(parsed.error) ? parsed.error : {};
    assert.match(String(error.message), pattern);
    assert.equal(error.type, 'invalid_request_error');
  }
});

test('streaming requests ask for usage when costs are configured, preserving other options', () => {
  const router = new RouterProcessor(testRuntime());
  router.requestHeaders(headersMessage({ ':path': '/v1/chat/completions' }));
  const response = router.requestBody({ body: Buffer.from('{"model":"m","stream":true,"stream_options":{"x":1}}'), end_of_stream: true });
  const body = Buffer.from(response.request_body?.response?.body_mutation?.body ?? '').toString();
  assert.deepEqual(JSON.parse(body), { model: 'm', stream: true, stream_options: { x: 1, include_usage: true } });
  assert.equal(headerValue(response.request_body?.response?.header_mutation?.set_headers ?? undefined, 'content-length'), String(Buffer.byteLength(body)));

  const noCosts = new RouterProcessor(testRuntime(testFilterConfig({ routes: [] })));
  noCosts.requestHeaders(headersMessage({ ':path': '/v1/chat/completions' }));
  const untouched = noCosts.requestBody({ body: Buffer.from('{"model":"m","stream":true}'), end_of_stream: true });
  assert.equal(untouched.request_body?.response?.body_mutation, undefined);
});

test('unknown paths get 404, /v1/models is answered locally, bodiless requests are refused', () => {
  const unknown = new RouterProcessor(testRuntime()).requestHeaders(headersMessage({ ':path': '/v1/nope?x=1' }));
  assert.equal(unknown.immediate_response?.status?.code, 'NotFound');
  assert.equal(Buffer.from(unknown.immediate_response?.body ?? '').toString(), 'unsupported path: /v1/nope');

  const models = new RouterProcessor(testRuntime()).requestHeaders(headersMessage({ ':path': '/v1/models', ':method': 'GET' }, true));
  assert.deepEqual(JSON.parse(Buffer.from(models.immediate_response?.body ?? '').toString()), {
    object: 'list',
    data: [{ id: 'gpt-4o-mini', object: 'model', created: 1700000000, owned_by: 'openai' }],
  });

  const bodiless = new RouterProcessor(testRuntime()).requestHeaders(headersMessage({ ':path': '/v1/embeddings' }, true));
  assert.equal(bodiless.immediate_response?.status?.code, 'BadRequest');
});
