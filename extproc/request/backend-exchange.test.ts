import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BackendExchange } from './backend-exchange.js';
import { findEndpoint } from './endpoints.js';
import { ROUTER_PROCESSING_MODE, type BackendTimeouts } from '../../contract/filter-config.js';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import { isRecord } from '../../common/json-guards.js';
import type { StreamMode } from './response-stream.js';
import { headersMessage, testRuntime } from '../../test/support/test-runtime.js';

const OPENAI_BACKEND = 'default/openai/route/r/rule/0/ref/0';

function exchange(path: string, streams: StreamMode, timing: Timing = {}): BackendExchange {
  const runtime = testRuntime();
  const backend = runtime.backends.get(OPENAI_BACKEND);
  const endpoint = findEndpoint(path);
  assert.ok(backend && endpoint);
  const withTimeouts = timing.timeouts ? { ...backend, timeouts: timing.timeouts } : backend;
  return new BackendExchange(runtime, withTimeouts, endpoint, 'gpt-4o-mini', { mode: ROUTER_PROCESSING_MODE, streams, ...(timing.push ? { push: timing.push } : {}) });
}

/** The rule's timeouts for the exchange, and where its stream timers send their message. */
interface Timing {
  timeouts?: BackendTimeouts;
  push?: (response: ProcessingResponse) => void;
}

/** An exchange whose request went out (translators learn stream/non-stream from it). */
async function sent(path: string, body: Record<string, unknown>, streams: StreamMode = 'duplex', timing: Timing = {}): Promise<BackendExchange> {
  const started = exchange(path, streams, timing);
  const raw = Buffer.from(JSON.stringify(body));
  await started.request({ raw, json: body, stream: body.stream === true, headers: {} });
  return started;
}

function json(bytes: Uint8Array | string | null | undefined): unknown {
  const parsed: unknown = JSON.parse(Buffer.from(bytes ?? '').toString('utf8'));
  return parsed;
}

/** The bytes an answer sends on in place of a stream chunk (either stream mode), and whether it ends the stream. */
function sentBody(response: ProcessingResponse | undefined): { text: string; end: boolean } {
  const mutation = response?.response_body?.response?.body_mutation;
  const streamed = mutation?.streamed_response;
  return { text: Buffer.from(streamed ? (streamed.body ?? '') : (mutation?.body ?? '')).toString('utf8'), end: streamed?.end_of_stream === true };
}

/** Envoy's reply for a connect failure, as the bootstrap's local_reply_config writes it. */
const LOCAL_REPLY = '{"error":{"code":"upstream_error","message":"upstream failure: upstream connect error or disconnect/reset before headers. reset reason: remote connection failure (UF)","type":"server_error"}}\n';

test('a 2xx JSON body that is not JSON becomes a 502 in the client API error shape (pass-through too)', async () => {
  const openai = await sent('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [] });
  openai.responseHeaders(headersMessage({ ':status': '200', 'content-type': 'application/json' }));
  const reply = await openai.responseBody({ body: Buffer.from('{"id":"x","choices":[{"mess'), end_of_stream: true });
  assert.ok(reply);
  assert.equal(reply.immediate_response?.status?.code, 'BadGateway');
  assert.deepEqual(json(reply.immediate_response?.body), {
    type: 'error',
    error: { type: 'BadGateway', code: '502', message: 'the response of backend default/openai cannot be read: the OpenAI response is not valid JSON' },
  });

  const anthropic = await sent('/anthropic/v1/messages', { model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
  anthropic.responseHeaders(headersMessage({ ':status': '200', 'content-type': 'application/json' }));
  const translated = await anthropic.responseBody({ body: Buffer.from('not json'), end_of_stream: true });
  assert.ok(translated);
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
  assert.ok(reply);
  assert.equal(reply.immediate_response, undefined);
  assert.equal(reply.response_body?.response?.body_mutation, undefined);
});

test('a stream that breaks mid-way ends with an error event in the client API format; the rest is dropped', async () => {
  for (const streams of ['duplex', 'streamed'] as const) {
    const anthropic = await sent('/anthropic/v1/messages', { model: 'gpt-4o-mini', max_tokens: 5, stream: true, messages: [{ role: 'user', content: 'hi' }] }, streams);
    const headers = anthropic.responseHeaders(headersMessage({ ':status': '200', 'content-type': 'text/event-stream' }));
    assert.equal(headers.mode_override?.response_body_mode, streams === 'duplex' ? 'FULL_DUPLEX_STREAMED' : 'STREAMED');
    const first = await anthropic.responseBody({ body: Buffer.from('data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"}}]}\n\n'), end_of_stream: false });
    assert.match(sentBody(first).text, /event: message_start/);
    const broken = sentBody(await anthropic.responseBody({ body: Buffer.from('data: {"choices": nope\n\n'), end_of_stream: false }));
    assert.ok(broken.text.startsWith('event: error\ndata: ') && broken.text.endsWith('\n\n'), broken.text);
    assert.equal(broken.end, streams === 'duplex', 'in duplex mode the error event ends the stream');
    assert.deepEqual(json(broken.text.slice('event: error\ndata: '.length)), {
      type: 'error',
      error: { type: 'api_error', message: 'the response of backend default/openai cannot be read: OpenAI response is not JSON: {"choices": nope' },
    });
    const after = await anthropic.responseBody({ body: Buffer.from('data: [DONE]\n\n'), end_of_stream: true });
    if (streams === 'duplex') {
      assert.equal(after, undefined, 'Envoy ended the stream: nothing more to answer');
    } else {
      assert.equal(after?.response_body?.response?.body_mutation?.clear_body, true);
      assert.equal(after?.dynamic_metadata, undefined);
    }
  }
});

test("Envoy's own upstream-failure reply is put in the Anthropic shape for Anthropic clients, left alone for OpenAI ones", async () => {
  const anthropic = await sent('/anthropic/v1/messages', { model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
  anthropic.responseHeaders(headersMessage({ ':status': '503', 'content-type': 'application/json' }));
  const rewritten = await anthropic.responseBody({ body: Buffer.from(LOCAL_REPLY), end_of_stream: true });
  assert.ok(rewritten);
  assert.deepEqual(json(rewritten.response_body?.response?.body_mutation?.body), {
    type: 'error',
    error: { type: 'service_unavailable_error', message: 'upstream failure: upstream connect error or disconnect/reset before headers. reset reason: remote connection failure (UF)' },
  });

  const timeout = await sent('/anthropic/v1/messages', { model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
  timeout.responseHeaders(headersMessage({ ':status': '504', 'content-type': 'application/json' }));
  const timedOut = json((await timeout.responseBody({ body: Buffer.from(LOCAL_REPLY.replace('connect error', 'request timeout')), end_of_stream: true }))?.response_body?.response?.body_mutation?.body);
  assert.ok(isRecord(timedOut) && isRecord(timedOut.error));
  assert.equal(timedOut.error.type, 'timeout_error');

  const openai = await sent('/v1/chat/completions', { model: 'gpt-4o-mini', messages: [] });
  openai.responseHeaders(headersMessage({ ':status': '503', 'content-type': 'application/json' }));
  const untouched = await openai.responseBody({ body: Buffer.from(LOCAL_REPLY), end_of_stream: true });
  assert.ok(untouched);
  assert.equal(untouched.response_body?.response?.body_mutation, undefined);
});

const CHAT_STREAM = { model: 'gpt-4o-mini', stream: true, messages: [] };
const SSE_HEADERS = headersMessage({ ':status': '200', 'content-type': 'text/event-stream' });

test('a pass-through stream is sent on in whole lines: an unfinished line waits for its end', async () => {
  const openai = await sent('/v1/chat/completions', CHAT_STREAM);
  openai.responseHeaders(SSE_HEADERS);
  const first = sentBody(await openai.responseBody({ body: Buffer.from('data: {"model":"m","choices":[]}\n\ndata: {"cho'), end_of_stream: false }));
  assert.deepEqual(first, { text: 'data: {"model":"m","choices":[]}\n\n', end: false });
  assert.equal(await openai.responseBody({ body: Buffer.from('ices":[{"delta":'), end_of_stream: false }), undefined, 'nothing to send: no message');
  const last = await openai.responseBody({ body: Buffer.from('{}}]}\n\ndata: [DONE]\n\n'), end_of_stream: true });
  assert.deepEqual(sentBody(last), { text: 'data: {"choices":[{"delta":{}}]}\n\ndata: [DONE]\n\n', end: true });
  assert.ok(last?.dynamic_metadata, 'the end of a stream carries the usage metadata');
});

test('an SSE line over the limit ends the stream with an error event naming the limit', async () => {
  for (const [path, body, prefix] of [
    ['/v1/chat/completions', CHAT_STREAM, 'data: '],
    ['/anthropic/v1/messages', { ...CHAT_STREAM, max_tokens: 5 }, 'event: error\ndata: '],
  ] as const) {
    const stream = await sent(path, body);
    stream.responseHeaders(SSE_HEADERS);
    const line = Buffer.alloc(1024 * 1024, 'x');
    let answer: ProcessingResponse | undefined;
    for (let sentBytes = 0; sentBytes <= 9 * line.length && !answer; sentBytes += line.length) answer = await stream.responseBody({ body: line, end_of_stream: false });
    const { text, end } = sentBody(answer);
    assert.ok(end && text.startsWith(prefix), text);
    assert.match(text, /cannot be read: the provider sent an SSE line of more than 8 MiB, the gateway's limit/);
    assert.equal(await stream.responseBody({ body: line, end_of_stream: true }), undefined);
  }
});

test('a silent stream ends with an error event naming the idle timeout; the request timeout too', async () => {
  const pushed: ProcessingResponse[] = [];
  const idle = await sent('/anthropic/v1/messages', { ...CHAT_STREAM, max_tokens: 5 }, 'duplex', { timeouts: { requestMs: 0, requestField: 'timeouts.request', streamIdleMs: 50 }, push: (response) => pushed.push(response) });
  idle.responseHeaders(SSE_HEADERS);
  await idle.responseBody({ body: Buffer.from('data: {"id":"c","model":"m","choices":[{"index":0,"delta":{"content":"Hi"}}]}\n\n'), end_of_stream: false });
  await new Promise((resolve) => setTimeout(resolve, 120));
  assert.equal(pushed.length, 1);
  const ended = sentBody(pushed[0]);
  assert.ok(ended.end && ended.text.startsWith('event: error\ndata: '), ended.text);
  const error = json(ended.text.slice('event: error\ndata: '.length));
  assert.ok(isRecord(error) && isRecord(error.error));
  assert.equal(error.error.type, 'timeout_error');
  assert.match(String(error.error.message), /^stream idle timeout: backend default\/openai sent nothing for 50ms \(streamIdleTimeout 50ms\)/);
  assert.equal(await idle.responseBody({ body: Buffer.from('data: [DONE]\n\n'), end_of_stream: true }), undefined, 'the late end is not sent');

  pushed.length = 0;
  const request = await sent('/v1/chat/completions', CHAT_STREAM, 'duplex', { timeouts: { requestMs: 300, requestField: 'timeouts.request' }, push: (response) => pushed.push(response) });
  request.responseHeaders(SSE_HEADERS);
  for (let i = 0; i < 8 && pushed.length === 0; i++) {
    await request.responseBody({ body: Buffer.from('data: {"choices":[]}\n\n'), end_of_stream: false });
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const cut = sentBody(pushed[0]);
  assert.ok(cut.end, 'the request timeout fired while chunks kept coming');
  assert.match(cut.text, /^data: \{"type":"error","error":\{"type":"GatewayTimeout","code":"504","message":"request timeout: the request reached its 300ms limit \(timeouts.request 300ms\)/);
});

test('a timer that fires before the first chunk ends the stream when that chunk comes', async () => {
  const pushed: ProcessingResponse[] = [];
  const late = await sent('/v1/chat/completions', CHAT_STREAM, 'duplex', { timeouts: { requestMs: 0, requestField: 'timeouts.request', streamIdleMs: 20 }, push: (response) => pushed.push(response) });
  late.responseHeaders(SSE_HEADERS);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(pushed.length, 0, 'Envoy takes no body message before its first chunk');
  const ended = sentBody(await late.responseBody({ body: Buffer.from('data: {"choices":[]}\n\n'), end_of_stream: false }));
  assert.ok(ended.end);
  assert.match(ended.text, /stream idle timeout/);
});
