import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { UPSTREAM_PROCESSING_MODE } from '../../contract/filter-config.js';
import { headersMessage, testRuntime } from '../../test/support/test-runtime.js';
import { UpstreamProcessor } from './upstream-processor.js';

const OPENAI = 'default/openai/route/r/rule/0/ref/0';
const OVERRIDE = 'default/override/route/r/rule/1/ref/0';

function setHeaders(response: { header_mutation?: { set_headers?: { header?: { key?: string; raw_value?: Buffer | Uint8Array | string } | null }[] } | null } | null | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const entry of response?.header_mutation?.set_headers ?? []) {
    if (entry.header?.key) result[entry.header.key] = Buffer.from(entry.header.raw_value ?? '').toString();
  }
  return result;
}

function metadataFields(response: { dynamic_metadata?: { fields?: Record<string, { structValue?: { fields?: Record<string, { numberValue?: number | string; stringValue?: string }> } | null }> } | null }): Record<string, number | string | undefined> {
  const fields = response.dynamic_metadata?.fields?.['io.envoy.ai_gateway']?.structValue?.fields ?? {};
  return Object.fromEntries(Object.entries(fields).map(([key, value]) => [key, value.numberValue ?? value.stringValue]));
}

test('pass-through: path, API key and length at the body (the body is not sent back), usage and costs at the end', async () => {
  const runtime = testRuntime();
  const upstream = new UpstreamProcessor(runtime, OPENAI);
  const headers = await upstream.requestHeaders(headersMessage({ ':path': '/v1/chat/completions', 'x-ai-eg-model': 'gpt-4o-mini', 'x-ai-eg-original-path': '/v1/chat/completions' }));
  assert.deepEqual(headers.mode_override, { ...UPSTREAM_PROCESSING_MODE, request_body_mode: 'BUFFERED' });
  const request = await upstream.requestBody({ body: Buffer.from('{"model":"gpt-4o-mini"}'), end_of_stream: true });
  assert.deepEqual(setHeaders(request.request_body?.response), { ':path': '/v1/chat/completions', authorization: 'Bearer sk-test-secret', 'content-length': '23' });
  assert.equal(request.request_body?.response?.body_mutation, undefined, 'the body is not sent back when it needs no change');
  assert.equal(request.request_body?.response?.status, undefined);

  // Embeddings: with costs configured, a chat pass-through reads the body (whether it streams decides if usage must be asked for).
  const bodiless = await new UpstreamProcessor(runtime, OPENAI).requestHeaders(headersMessage({ ':path': '/v1/embeddings', 'x-ai-eg-original-path': '/v1/embeddings' }, true));
  assert.equal(bodiless.mode_override, undefined, 'without a body, a pass-through is done at the headers');
  assert.deepEqual(setHeaders(bodiless.request_headers?.response), { ':path': '/v1/embeddings', authorization: 'Bearer sk-test-secret' });

  upstream.responseHeaders(headersMessage({ ':status': '200', 'content-type': 'application/json' }));
  const body = Buffer.from(JSON.stringify({ model: 'gpt-4o-mini-2024', usage: { prompt_tokens: 11, completion_tokens: 5, total_tokens: 16 } }));
  const done = await upstream.responseBody({ body, end_of_stream: true });
  assert.ok(done);
  assert.equal(done.response_body?.response?.body_mutation, undefined, 'the response passes unchanged');
  assert.deepEqual(metadataFields(done), {
    in: 11,
    out: 5,
    backend_name: OPENAI,
    model_name_override: 'gpt-4o-mini',
    ai_service_backend_name: 'default/openai',
    route_name: 'default/r',
    response_model: 'gpt-4o-mini-2024',
  });
  const metrics = await runtime.metrics.registry.metrics();
  assert.match(metrics, /gen_ai_client_token_usage_sum\{[^}]*gen_ai_operation_name="chat"[^}]*gen_ai_response_model="gpt-4o-mini-2024"[^}]*gen_ai_token_type="input"\} 11/);
});

test('model override: the body is buffered, then the path and the model field are rewritten together', async () => {
  const upstream = new UpstreamProcessor(testRuntime(), OVERRIDE);
  const headers = await upstream.requestHeaders(headersMessage({ ':path': '/v1/embeddings', 'x-ai-eg-model': 'alias', 'x-ai-eg-original-path': '/v1/embeddings?x=y' }));
  // A mode override replaces the whole mode: the response must still be processed.
  assert.deepEqual(headers.mode_override, { ...UPSTREAM_PROCESSING_MODE, request_body_mode: 'BUFFERED' });
  const replaced = await upstream.requestBody({ body: Buffer.from('{"input": "hi",  "model":"alias"}'), end_of_stream: true });
  assert.equal(replaced.request_body?.response?.status, 'CONTINUE_AND_REPLACE');
  assert.equal(setHeaders(replaced.request_body?.response)[':path'], '/custom/v2/embeddings');
  assert.equal(Buffer.from(replaced.request_body?.response?.body_mutation?.body ?? '').toString(), '{"input": "hi",  "model":"real-model"}');
});

test('a pass-through retry after an attempt that rewrote the body gets the original content-length back', async () => {
  const original = '{"model":"fallback-1","messages":[]}';
  const route = { 'x-ai-eg-model': 'fallback-1', 'x-ai-eg-original-path': '/v1/chat/completions', 'x-ai-eg-route': 'default/r/rule/3' };
  // The first attempt (a translating backend, say) sent a longer body with its own length; Envoy
  // retries with the headers as that attempt left them, and the original body.
  const stale = String(original.length + 7);
  const retry = new UpstreamProcessor(testRuntime(), OPENAI);
  await retry.requestHeaders(headersMessage({ ':path': '/custom/v2/chat/completions', 'content-length': stale, ...route }));
  const response = (await retry.requestBody({ body: Buffer.from(original), end_of_stream: true })).request_body?.response;
  assert.equal(setHeaders(response)['content-length'], String(original.length));
  assert.equal(setHeaders(response)[':path'], '/v1/chat/completions');
  assert.equal(response?.body_mutation, undefined);
});

test('streaming responses switch to STREAMED and read usage from the last chunk', async () => {
  const upstream = new UpstreamProcessor(testRuntime(), OPENAI);
  await upstream.requestHeaders(headersMessage({ 'x-ai-eg-model': 'gpt-4o-mini', 'x-ai-eg-original-path': '/v1/chat/completions' }));
  const headers = upstream.responseHeaders(headersMessage({ ':status': '200', 'content-type': 'text/event-stream; charset=utf-8' }));
  assert.deepEqual(headers.mode_override, { ...UPSTREAM_PROCESSING_MODE, response_body_mode: 'STREAMED' });
  assert.deepEqual(headers.response_headers?.response?.header_mutation?.remove_headers, ['content-length']);
  await upstream.responseBody({ body: Buffer.from('data: {"model":"m-1","choices":[]}\n\ndata: {"choices":[],"us'), end_of_stream: false });
  const last = await upstream.responseBody({ body: Buffer.from('age":{"prompt_tokens":3,"completion_tokens":9,"total_tokens":12}}\n\ndata: [DONE]\n\n'), end_of_stream: true });
  assert.ok(last);
  const fields = metadataFields(last);
  assert.equal(fields.in, 3);
  assert.equal(fields.out, 9);
  assert.equal(fields.response_model, 'm-1');
});

test('gzip-encoded responses are decoded for usage but forwarded as they came', async () => {
  const upstream = new UpstreamProcessor(testRuntime(), OPENAI);
  await upstream.requestHeaders(headersMessage({ 'x-ai-eg-model': 'gpt-4o-mini', 'x-ai-eg-original-path': '/v1/chat/completions' }));
  upstream.responseHeaders(headersMessage({ ':status': '200', 'content-type': 'application/json', 'content-encoding': 'gzip' }));
  const done = await upstream.responseBody({ body: gzipSync(JSON.stringify({ usage: { prompt_tokens: 4, completion_tokens: 2 } })), end_of_stream: true });
  assert.ok(done);
  assert.equal(done.response_body?.response?.body_mutation, undefined);
  assert.equal(metadataFields(done).in, 4);
});

test('provider errors: JSON passes through, other bodies become an OpenAI error object', async () => {
  const json = new UpstreamProcessor(testRuntime(), OPENAI);
  await json.requestHeaders(headersMessage({ 'x-ai-eg-model': 'm', 'x-ai-eg-original-path': '/v1/chat/completions' }));
  json.responseHeaders(headersMessage({ ':status': '429', 'content-type': 'application/json' }));
  const passed = await json.responseBody({ body: Buffer.from('{"error":{"message":"slow down"}}'), end_of_stream: true });
  assert.ok(passed);
  assert.equal(passed.response_body?.response?.body_mutation, undefined);

  const text = new UpstreamProcessor(testRuntime(), OPENAI);
  await text.requestHeaders(headersMessage({ 'x-ai-eg-model': 'm', 'x-ai-eg-original-path': '/v1/chat/completions' }));
  text.responseHeaders(headersMessage({ ':status': '503', 'content-type': 'text/plain' }));
  const wrapped = await text.responseBody({ body: Buffer.from('upstream overloaded'), end_of_stream: true });
  assert.ok(wrapped);
  assert.deepEqual(JSON.parse(Buffer.from(wrapped.response_body?.response?.body_mutation?.body ?? '').toString()), {
    type: 'error',
    error: { type: 'OpenAIBackendError', code: '503', message: 'upstream overloaded' },
  });
});

test('an endpoint the backend schema cannot serve answers 422 and counts as a failed request; an unknown backend is an internal error', async () => {
  const runtime = testRuntime();
  const upstream = new UpstreamProcessor(runtime, OPENAI);
  const response = await upstream.requestHeaders(headersMessage({ 'x-ai-eg-model': 'm', 'x-ai-eg-original-path': '/cohere/v2/rerank' }));
  assert.equal(response.immediate_response?.status?.code, 'UnprocessableEntity');
  const text = await runtime.metrics.registry.metrics();
  assert.match(text, /^gen_ai_server_request_duration_seconds_count\{[^}]*gen_ai_operation_name="rerank"[^}]*error_type="_OTHER"[^}]*\} 1$/m);
  await assert.rejects(new UpstreamProcessor(testRuntime(), 'nope').requestHeaders(headersMessage({})), /not in the filter config/);
});
