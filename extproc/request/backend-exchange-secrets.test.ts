/**
 * Credentials and the exchange with a backend: a provider quoting the key back (error bodies
 * passed through or translated, streams, headers, compressed bodies) never hands it to the
 * client, and the client's own credential headers do not reach a backend that has its own.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import { BackendExchange } from './backend-exchange.js';
import { findEndpoint } from './endpoints.js';
import { ROUTER_PROCESSING_MODE, type BackendConfig } from '../../contract/filter-config.js';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import { RouterProcessor } from './router-processor.js';
import { SECRET_MARKER } from './secret-scrubber.js';
import { headersMessage, testFilterConfig, testRuntime } from '../../test/support/test-runtime.js';

const KEY = 'sk-test-secret';
const OPENAI_BACKEND = 'default/openai/route/r/rule/0/ref/0';
const ECHO = JSON.stringify({ error: { message: `Incorrect API key provided: ${KEY}.`, type: 'invalid_request_error', code: 'invalid_api_key' } });

async function sent(path: string, body: Record<string, unknown>, backendName = OPENAI_BACKEND, backends?: BackendConfig[]): Promise<BackendExchange> {
  const runtime = testRuntime(backends ? testFilterConfig({ backends }) : undefined);
  const backend = runtime.backends.get(backendName);
  const endpoint = findEndpoint(path);
  assert.ok(backend && endpoint);
  // As the router filter drives it: 2xx streams in full-duplex mode, every chunk sent back explicitly.
  const exchange = new BackendExchange(runtime, backend, endpoint, 'gpt-4o-mini', { mode: ROUTER_PROCESSING_MODE, streams: 'duplex' });
  await exchange.request({ raw: Buffer.from(JSON.stringify(body)), json: body, stream: body.stream === true, headers: {} });
  return exchange;
}

const chat = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };
/** The body an answer puts in place of the provider's (buffered or streamed), if any. */
const replaced = (response: ProcessingResponse | undefined): string | undefined => {
  const mutation = response?.response_body?.response?.body_mutation;
  const body = mutation?.streamed_response ? mutation.streamed_response.body : mutation?.body;
  return body === undefined || body === null ? undefined : Buffer.from(body).toString('utf8');
};
const setHeader = (response: ProcessingResponse | undefined, name: string): string | undefined => {
  const mutation = response?.response_body?.response?.header_mutation ?? response?.response_headers?.response?.header_mutation;
  const found = mutation?.set_headers?.find((option) => option.header?.key === name);
  return found ? Buffer.from(found.header?.raw_value ?? '').toString() : undefined;
};

test('a pass-through error quoting the key: the key is replaced, the length follows', async () => {
  const exchange = await sent('/v1/chat/completions', chat);
  exchange.responseHeaders(headersMessage({ ':status': '401', 'content-type': 'application/json' }));
  const response = await exchange.responseBody({ body: Buffer.from(ECHO), end_of_stream: true });
  const body = replaced(response);
  assert.equal(body, ECHO.replace(KEY, SECRET_MARKER));
  assert.equal(setHeader(response, 'content-length'), String(Buffer.byteLength(body ?? '')));
});

test('an error without the key passes untouched (no copy, no mutation)', async () => {
  const exchange = await sent('/v1/chat/completions', chat);
  exchange.responseHeaders(headersMessage({ ':status': '401', 'content-type': 'application/json' }));
  const response = await exchange.responseBody({ body: Buffer.from('{"error":{"message":"Incorrect API key provided: sk-tes****cret"}}'), end_of_stream: true });
  assert.equal(response?.response_body?.response?.body_mutation, undefined);
});

test('a translated error (Anthropic client, OpenAI backend) is scrubbed after translation', async () => {
  const exchange = await sent('/anthropic/v1/messages', { model: 'gpt-4o-mini', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] });
  exchange.responseHeaders(headersMessage({ ':status': '401', 'content-type': 'application/json' }));
  const body = replaced(await exchange.responseBody({ body: Buffer.from(ECHO), end_of_stream: true })) ?? '';
  assert.ok(!body.includes(KEY), body);
  assert.match(body, /"type":"error"/);
  assert.ok(body.includes(SECRET_MARKER), body);
});

test('a gzip error quoting the key goes out decoded and scrubbed, without content-encoding', async () => {
  const exchange = await sent('/v1/chat/completions', chat);
  exchange.responseHeaders(headersMessage({ ':status': '403', 'content-type': 'application/json', 'content-encoding': 'gzip' }));
  const response = await exchange.responseBody({ body: zlib.gzipSync(ECHO), end_of_stream: true });
  assert.equal(replaced(response), ECHO.replace(KEY, SECRET_MARKER));
  assert.deepEqual(response?.response_body?.response?.header_mutation?.remove_headers, ['content-encoding']);
});

test('a stream with the key split across chunks: held back at the split, replaced whole', async () => {
  const exchange = await sent('/v1/chat/completions', { ...chat, stream: true });
  exchange.responseHeaders(headersMessage({ ':status': '200', 'content-type': 'text/event-stream' }));
  const event = `data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":"your key is ${KEY}"}}]}\n\n`;
  const cut = event.indexOf(KEY) + 5;
  const first = await exchange.responseBody({ body: Buffer.from(event.slice(0, cut)), end_of_stream: false });
  const second = await exchange.responseBody({ body: Buffer.from(`${event.slice(cut)}data: [DONE]\n\n`), end_of_stream: true });
  // Full-duplex: nothing passes unless sent back; a held-back piece comes with a later chunk.
  const out = (replaced(first) ?? '') + (replaced(second) ?? '');
  assert.ok(!out.includes(KEY), out);
  assert.ok(out.includes(`your key is ${SECRET_MARKER}`), out);
  assert.ok(out.endsWith('data: [DONE]\n\n'), out);
});

test('a compressed stream from a backend with a credential goes out decoded (it must be scrubbable)', async () => {
  const exchange = await sent('/v1/chat/completions', { ...chat, stream: true });
  const headers = exchange.responseHeaders(headersMessage({ ':status': '200', 'content-type': 'text/event-stream', 'content-encoding': 'gzip' }));
  assert.ok(headers.response_headers?.response?.header_mutation?.remove_headers?.includes('content-encoding'));
  const event = `data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":"${KEY}"}}]}\n\ndata: [DONE]\n\n`;
  const out = replaced(await exchange.responseBody({ body: zlib.gzipSync(event), end_of_stream: true }));
  assert.equal(out, event.replace(KEY, SECRET_MARKER));
});

test('response headers quoting the key are rewritten', async () => {
  const exchange = await sent('/v1/chat/completions', chat);
  const headers = exchange.responseHeaders(headersMessage({ ':status': '401', 'content-type': 'application/json', 'x-debug-credential': `Bearer ${KEY}` }));
  assert.equal(setHeader(headers, 'x-debug-credential'), `Bearer ${SECRET_MARKER}`);
});

test('a backend without a policy but with a credential header mutation: that value is scrubbed too', async () => {
  const token = 'static-header-token-123';
  const backends: BackendConfig[] = [{ name: 'b', route: 'default/r', aiServiceBackend: 'default/b', schema: { name: 'OpenAI' }, headerMutation: { set: [{ name: 'Authorization', value: `Bearer ${token}` }], remove: [] } }];
  const exchange = await sent('/v1/chat/completions', chat, 'b', backends);
  exchange.responseHeaders(headersMessage({ ':status': '401', 'content-type': 'application/json' }));
  assert.equal(replaced(await exchange.responseBody({ body: Buffer.from(`{"error":{"message":"bad token ${token}"}}`), end_of_stream: true })), `{"error":{"message":"bad token ${SECRET_MARKER}"}}`);
});

const CLIENT_CREDENTIALS = { authorization: 'Bearer client', 'x-api-key': 'client', 'api-key': 'client', 'x-goog-api-key': 'client', 'ocp-apim-subscription-key': 'client', 'x-amz-security-token': 'client' };

async function removedFor(model: string): Promise<readonly string[]> {
  const router = new RouterProcessor(testRuntime());
  router.requestHeaders(headersMessage({ ':path': '/v1/chat/completions', ...CLIENT_CREDENTIALS }));
  const response = await router.requestBody({ body: Buffer.from(JSON.stringify({ model, messages: [] })), end_of_stream: true });
  return response?.request_body?.response?.header_mutation?.remove_headers ?? [];
}

test("a backend with a BackendSecurityPolicy gets none of the client's credential headers, except the one the gateway sets", async () => {
  const removed = await removedFor('gpt-4o-mini');
  for (const name of ['x-api-key', 'api-key', 'x-goog-api-key', 'ocp-apim-subscription-key', 'x-amz-security-token']) assert.ok(removed.includes(name), `${name} removed`);
  assert.ok(!removed.includes('authorization'), 'authorization is overwritten with the configured key, not removed');
});

test("a backend without a policy keeps the client's credential headers (pass-through keys)", async () => {
  const removed = await removedFor('alias');
  for (const name of Object.keys(CLIENT_CREDENTIALS)) assert.ok(!removed.includes(name), `${name} kept`);
});
