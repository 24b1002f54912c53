import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackendExchange } from './backend-exchange.js';
import { findEndpoint } from './endpoints.js';
import { ROUTER_PROCESSING_MODE } from './filter-config.js';
import type { ProcessingResponse } from './generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import { isRecord } from './json-guards.js';
import { headersMessage, testRuntime } from './test-runtime.js';

const OPENAI_BACKEND = 'default/openai/route/r/rule/0/ref/0';

function exchange(path: string): BackendExchange {
  const runtime = testRuntime();
  const backend = runtime.backends.get(OPENAI_BACKEND);
  const endpoint = findEndpoint(path);
  assert.ok(backend && endpoint);
  return new BackendExchange(runtime, backend, endpoint, 'gpt-4o-mini', ROUTER_PROCESSING_MODE);
}

/** An exchange whose request went out (translators learn stream/non-stream from it). */
async function sent(path: string, body: Record<string, unknown>): Promise<BackendExchange> {
  const started = exchange(path);
  const raw = Buffer.from(JSON.stringify(body));
  await started.request({ raw, json: body, stream: body.stream === true, headers: {} });
  return started;
}

function json(bytes: Uint8Array | string | null | undefined): unknown {
  const parsed: unknown = JSON.parse(Buffer.from(bytes ?? '').toString('utf8'));
  return parsed;
}

function replacedBody(response: ProcessingResponse): string {
  return Buffer.from(response.response_body?.response?.body_mutation?.body ?? '').toString('utf8');
}

/** Envoy's reply for a connect failure, as the bootstrap's local_reply_config writes it. */
const LOCAL_REPLY = '{"error":{"code":"upstream_error","message":"upstream failure: upstream connect error or disconnect/reset before headers. reset reason: remote connection failure (UF)","type":"server_error"}}\n';

test('a 2xx JSON body that is not JSON becomes a 502 in the client API error shape (pass-through too)', async () => {
  const openai = await sent('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [] });
  openai.responseHeaders(headersMessage({ ':status': '200', 'content-type': 'application/json' }));
  const reply = await openai.responseBody({ body: Buffer.from('{"id":"x","choices":[{"mess'), end_of_stream: true });
  assert.equal(reply.immediate_response?.status?.code, 'BadGateway');
  assert.deepEqual(json(reply.immediate_response?.body), {
    type: 'error',
    error: { type: 'BadGateway', code: '502', message: 'the response of backend default/openai cannot be read: the OpenAI response is not valid JSON' },
  });

  const anthropic = await sent('/anthropic/v1/messages', { model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
  anthropic.responseHeaders(headersMessage({ ':status': '200', 'content-type': 'application/json' }));
  const translated = await anthropic.responseBody({ body: Buffer.from('not json'), end_of_stream: true });
  assert.equal(translated.immediate_response?.status?.code, 'BadGateway');
  const body = json(translated.immediate_response?.body);
  assert.ok(isRecord(body) && isRecord(body.error));
  assert.equal(body.type, 'error');
  assert.equal(body.error.type, 'api_error');
});

test('a pass-through 2xx that is not JSON and does not say so (audio) is forwarded as is', async () => {
  const speech = await sent('/v1/audio/speech', { model: 'gpt-4o-mini', input: 'hi' });
  speech.responseHeaders(headersMessage({ ':status': '200', 'content-type': 'audio/mpeg' }));
  const reply = await speech.responseBody({ body: Buffer.from([0xff, 0xfb, 0x90]), end_of_stream: true });
  assert.equal(reply.immediate_response, undefined);
  assert.equal(reply.response_body?.response?.body_mutation, undefined);
});

test('a stream that breaks mid-way ends with an error event in the client API format; the rest is dropped', async () => {
  const anthropic = await sent('/anthropic/v1/messages', { model: 'gpt-4o-mini', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'hi' }] });
  const headers = anthropic.responseHeaders(headersMessage({ ':status': '200', 'content-type': 'text/event-stream' }));
  assert.equal(headers.mode_override?.response_body_mode, 'STREAMED');
  const first = await anthropic.responseBody({ body: Buffer.from('data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"}}]}\n\n'), end_of_stream: false });
  assert.match(replacedBody(first), /event: message_start/);
  const broken = await anthropic.responseBody({ body: Buffer.from('data: {"choices": nope\n\n'), end_of_stream: false });
  const text = replacedBody(broken);
  assert.ok(text.startsWith('event: error\ndata: ') && text.endsWith('\n\n'), text);
  assert.deepEqual(json(text.slice('event: error\ndata: '.length)), {
    type: 'error',
    error: { type: 'api_error', message: 'the response of backend default/openai cannot be read: OpenAI response is not JSON: {"choices": nope' },
  });
  const after = await anthropic.responseBody({ body: Buffer.from('data: [DONE]\n\n'), end_of_stream: true });
  assert.equal(after.response_body?.response?.body_mutation?.clear_body, true);
  assert.equal(after.dynamic_metadata, undefined);
});

test("Envoy's own upstream-failure reply is put in the Anthropic shape for Anthropic clients, left alone for OpenAI ones", async () => {
  const anthropic = await sent('/anthropic/v1/messages', { model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
  anthropic.responseHeaders(headersMessage({ ':status': '503', 'content-type': 'application/json' }));
  const rewritten = await anthropic.responseBody({ body: Buffer.from(LOCAL_REPLY), end_of_stream: true });
  assert.deepEqual(json(rewritten.response_body?.response?.body_mutation?.body), {
    type: 'error',
    error: { type: 'service_unavailable_error', message: 'upstream failure: upstream connect error or disconnect/reset before headers. reset reason: remote connection failure (UF)' },
  });

  const timeout = await sent('/anthropic/v1/messages', { model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
  timeout.responseHeaders(headersMessage({ ':status': '504', 'content-type': 'application/json' }));
  const timedOut = json((await timeout.responseBody({ body: Buffer.from(LOCAL_REPLY.replace('connect error', 'request timeout')), end_of_stream: true })).response_body?.response?.body_mutation?.body);
  assert.ok(isRecord(timedOut) && isRecord(timedOut.error));
  assert.equal(timedOut.error.type, 'timeout_error');

  const openai = await sent('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [] });
  openai.responseHeaders(headersMessage({ ':status': '503', 'content-type': 'application/json' }));
  const untouched = await openai.responseBody({ body: Buffer.from(LOCAL_REPLY), end_of_stream: true });
  assert.equal(untouched.response_body?.response?.body_mutation, undefined);
});
