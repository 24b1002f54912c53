import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROUTER_PROCESSING_MODE } from '../../contract/filter-config.js';
import type { HeaderMutation } from '../generated/envoy/service/ext_proc/v3/HeaderMutation.js';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse.js';
import { isRecord } from '../../common/json-guards.js';
import { RouterProcessor } from './router-processor.js';
import type { RateLimitAction, RateLimitConfig } from '../../contract/rate-limit-config.js';
import { MemoryStore } from '../../ratelimit/memory-store.js';
import { RateLimiter } from '../../ratelimit/rate-limiter.js';
import { RouterRateLimits } from '../../ratelimit/router-rate-limits.js';
import { headersMessage, TEST_LISTENER, testFilterConfig, testRuntime } from '../../test/support/test-runtime.js';

function setHeaders(mutation: HeaderMutation | null | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const entry of mutation?.set_headers ?? []) {
    if (entry.header?.key) result[entry.header.key] = Buffer.from(entry.header.raw_value ?? '').toString();
  }
  return result;
}

async function routed(body: string, headers: Record<string, string> = {}, config = testFilterConfig()): Promise<{ router: RouterProcessor; response: ProcessingResponse }> {
  const router = new RouterProcessor(testRuntime(config));
  router.requestHeaders(headersMessage({ ':path': '/v1/chat/completions', ...headers }));
  return { router, response: await router.requestBody({ body: Buffer.from(body), end_of_stream: true }) };
}

function errorOf(response: ProcessingResponse): { status: unknown; type: unknown; code: unknown; message: string } {
  const parsed: unknown = JSON.parse(Buffer.from(response.immediate_response?.body ?? '').toString());
  const error = isRecord(parsed) && isRecord(parsed.error) ? parsed.error : {};
  return { status: response.immediate_response?.status?.code, type: error.type, code: error.code, message: String(error.message) };
}

test('a router-mode rule: model header, the chosen backend as route, path and key, one route re-match', async () => {
  const router = new RouterProcessor(testRuntime());
  const headers = router.requestHeaders(headersMessage({ ':path': '/v1/chat/completions', ':method': 'POST', 'x-ai-eg-model': 'spoofed', 'x-ai-eg-route': 'spoofed' }));
  assert.deepEqual(headers.request_headers?.response?.header_mutation?.remove_headers, ['x-ai-eg-model', 'x-ai-eg-original-path', 'x-ai-eg-route', 'x-ai-eg-mcp-route', 'x-ai-eg-mcp-backend', 'x-ai-eg-upstream-host']);
  const response = (await router.requestBody({ body: Buffer.from('{"model":"gpt-4o-mini","messages":[]}'), end_of_stream: true })).request_body?.response;
  assert.equal(response?.clear_route_cache, true);
  assert.deepEqual(setHeaders(response?.header_mutation), {
    'x-ai-eg-model': 'gpt-4o-mini',
    'x-ai-eg-route': 'default/openai/route/r/rule/0/ref/0',
    ':path': '/v1/chat/completions',
    authorization: 'Bearer sk-test-secret',
  });
  assert.equal(response?.body_mutation, undefined, 'the body passes unchanged');
});

test('model override: only the model field changes, under the schema prefix', async () => {
  const { response } = await routed('{"model":"alias","messages":[],"n":1}');
  const body = response.request_body?.response;
  const headers = setHeaders(body?.header_mutation);
  assert.equal(headers[':path'], '/custom/v2/chat/completions');
  assert.equal(headers['x-ai-eg-model'], 'real-model');
  assert.equal(Buffer.from(body?.body_mutation?.body ?? '').toString(), '{"model":"real-model","messages":[],"n":1}');
  assert.equal(headers['content-length'], String('{"model":"real-model","messages":[],"n":1}'.length));
});

test('an upstream-mode rule only names the rule; the router steps aside for the response', async () => {
  const { router, response } = await routed('{"model":"fallback-1"}');
  const headers = setHeaders(response.request_body?.response?.header_mutation);
  assert.equal(headers['x-ai-eg-route'], 'default/r/rule/3');
  assert.equal(headers['x-ai-eg-original-path'], '/v1/chat/completions', 'the upstream filter needs the client path');
  assert.equal(headers.authorization, undefined, 'the upstream filter adds credentials per attempt');
  const responseHeaders = router.responseHeaders(headersMessage({ ':status': '200' }));
  assert.deepEqual(responseHeaders.mode_override, { ...ROUTER_PROCESSING_MODE, response_body_mode: 'NONE' });
});

test('rules can match on other request headers', async () => {
  const config = testFilterConfig();
  config.rules.unshift({
    name: 'default/r/rule/9',
    route: 'default/r',
    listeners: [TEST_LISTENER],
    hostnames: [],
    headers: [{ name: 'x-ai-eg-model', type: 'Exact', value: 'gpt-4o-mini' }, { name: 'x-tenant', type: 'Exact', value: 'blue' }],
    backends: [{ name: 'default/override/route/r/rule/1/ref/0', weight: 1, priority: 0 }],
    mode: 'router',
  });
  assert.equal(setHeaders((await routed('{"model":"gpt-4o-mini"}', { 'x-tenant': 'blue' }, config)).response.request_body?.response?.header_mutation)['x-ai-eg-route'], 'default/override/route/r/rule/1/ref/0');
  assert.equal(setHeaders((await routed('{"model":"gpt-4o-mini"}', { 'x-tenant': 'red' }, config)).response.request_body?.response?.header_mutation)['x-ai-eg-route'], 'default/openai/route/r/rule/0/ref/0');
});

test('the response of a router-mode request is read on the same stream: usage and costs', async () => {
  const { router } = await routed('{"model":"gpt-4o-mini"}');
  router.responseHeaders(headersMessage({ ':status': '200', 'content-type': 'application/json' }));
  const done = await router.responseBody({ body: Buffer.from('{"model":"gpt-4o-mini-2024","usage":{"prompt_tokens":3,"completion_tokens":2}}'), end_of_stream: true });
  assert.ok(done);
  const fields = done.dynamic_metadata?.fields?.['io.envoy.ai_gateway']?.structValue?.fields ?? {};
  assert.equal(fields.in?.numberValue, 3);
  assert.equal(fields.out?.numberValue, 2);
  assert.equal(fields.response_model?.stringValue, 'gpt-4o-mini-2024');
});

test('client errors answer in upstream aigw\'s OpenAI-compatible error shape', async () => {
  assert.deepEqual(errorOf((await routed('{"model":')).response), {
    status: 'BadRequest',
    type: 'BadRequest',
    code: '400',
    message: 'malformed request: failed to parse JSON for /v1/chat/completions: Unexpected end of JSON input',
  });
  assert.match(errorOf((await routed('{"messages":[]}')).response).message, /missing required field "model"/);
  assert.match(errorOf((await routed('{"model":42}')).response).message, /"model" must be a non-empty string/);
  assert.match(errorOf((await routed('[1,2]')).response).message, /must be a JSON object/);
  const unknown = errorOf((await routed('{"model":"no-such-model"}')).response);
  assert.equal(unknown.status, 'NotFound');
  assert.match(unknown.message, /No matching route found.*Model: no-such-model$/);
  const unsupported = errorOf((await routed('{"model":"titan"}')).response);
  assert.equal(unsupported.status, 'UnprocessableEntity');
  assert.match(unsupported.message, /cannot be served by a backend with schema Cohere/);
});

test('streaming requests ask for usage when costs are configured, preserving other options', async () => {
  const response = (await routed('{"model":"gpt-4o-mini","stream":true,"stream_options":{"x":1}}')).response.request_body?.response;
  const body = Buffer.from(response?.body_mutation?.body ?? '').toString();
  assert.deepEqual(JSON.parse(body), { model: 'gpt-4o-mini', stream: true, stream_options: { x: 1, include_usage: true } });
  assert.equal(setHeaders(response?.header_mutation)['content-length'], String(Buffer.byteLength(body)));
  const untouched = (await routed('{"model":"gpt-4o-mini","stream":true}', {}, testFilterConfig({ routes: [] }))).response;
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

test('bodyMutation edits top-level fields (JSON values raw, others as strings) and leaves the rest', async () => {
  const config = testFilterConfig();
  const backend = config.backends[0];
  assert.ok(backend);
  backend.bodyMutation = { set: [{ path: 'temperature', value: '0.1' }, { path: 'user', value: 'gateway' }, { path: 'metadata', value: '{"team":"a"}' }], remove: ['n'] };
  const response = (await routed('{"model":"gpt-4o-mini","n":2,"temperature":1,"messages":[]}', {}, config)).response.request_body?.response;
  const body = Buffer.from(response?.body_mutation?.body ?? '').toString();
  assert.deepEqual(JSON.parse(body), { model: 'gpt-4o-mini', temperature: 0.1, messages: [], user: 'gateway', metadata: { team: 'a' } });
  assert.equal(setHeaders(response?.header_mutation)['content-length'], String(Buffer.byteLength(body)));
});

test("upstream mode: Envoy's own reply when every attempt failed takes the client API's shape; provider errors pass", async () => {
  const localReply = '{"error":{"code":"upstream_error","message":"upstream failure: upstream connect error or disconnect/reset before headers. retried and the latest reset reason: remote connection failure (URX,UF)","type":"server_error"}}\n';
  const router = new RouterProcessor(testRuntime());
  router.requestHeaders(headersMessage({ ':path': '/anthropic/v1/messages' }));
  await router.requestBody({ body: Buffer.from('{"model":"fallback-1","max_tokens":5,"messages":[]}'), end_of_stream: true });
  const headers = router.responseHeaders(headersMessage({ ':status': '503', 'content-type': 'application/json' }));
  assert.equal(headers.mode_override, undefined, 'the error body is read');
  const rewritten = await router.responseBody({ body: Buffer.from(localReply), end_of_stream: true });
  assert.ok(rewritten);
  assert.deepEqual(JSON.parse(Buffer.from(rewritten.response_body?.response?.body_mutation?.body ?? '').toString()), {
    type: 'error',
    error: { type: 'service_unavailable_error', message: 'upstream failure: upstream connect error or disconnect/reset before headers. retried and the latest reset reason: remote connection failure (URX,UF)' },
  });

  const provider = new RouterProcessor(testRuntime());
  provider.requestHeaders(headersMessage({ ':path': '/anthropic/v1/messages' }));
  await provider.requestBody({ body: Buffer.from('{"model":"fallback-1","max_tokens":5,"messages":[]}'), end_of_stream: true });
  provider.responseHeaders(headersMessage({ ':status': '429', 'content-type': 'application/json' }));
  const passed = await provider.responseBody({ body: Buffer.from('{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}'), end_of_stream: true });
  assert.ok(passed);
  assert.equal(passed.response_body?.response?.body_mutation, undefined);

  const { router: openai } = await routed('{"model":"fallback-1"}');
  assert.deepEqual(openai.responseHeaders(headersMessage({ ':status': '503' })).mode_override, { ...ROUTER_PROCESSING_MODE, response_body_mode: 'NONE' }, 'OpenAI clients already have the shape');
});

test('upstream mode: a 2xx stream passes through the router filter in FULL_DUPLEX_STREAMED mode, which ends it on a timer', async () => {
  const config = testFilterConfig();
  config.backends = config.backends.map((backend) => ({ ...backend, timeouts: { requestMs: 0, requestField: 'timeouts.request', streamIdleMs: 40 } }));
  const pushed: ProcessingResponse[] = [];
  const router = new RouterProcessor(testRuntime(config), { listener: TEST_LISTENER, push: (response) => pushed.push(response) });
  router.requestHeaders(headersMessage({ ':path': '/anthropic/v1/messages' }));
  await router.requestBody({ body: Buffer.from('{"model":"fallback-1","max_tokens":5,"stream":true,"messages":[]}'), end_of_stream: true });
  const headers = router.responseHeaders(headersMessage({ ':status': '200', 'content-type': 'text/event-stream' }));
  assert.deepEqual(headers.mode_override, { ...ROUTER_PROCESSING_MODE, response_body_mode: 'FULL_DUPLEX_STREAMED', response_trailer_mode: 'SEND' });
  const event = 'event: ping\ndata: {"type":"ping"}\n\n';
  const echoed = await router.responseBody({ body: Buffer.from(event), end_of_stream: false });
  assert.deepEqual(echoed?.response_body?.response?.body_mutation?.streamed_response, { body: Buffer.from(event), end_of_stream: false }, 'the chunk passes unchanged');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(pushed.length, 1);
  const end = pushed[0]?.response_body?.response?.body_mutation?.streamed_response;
  assert.equal(end?.end_of_stream, true);
  assert.match(Buffer.from(end?.body ?? '').toString(), /^event: error\ndata: \{"type":"error","error":\{"type":"timeout_error","message":"stream idle timeout: the backend of rule default\/r\/rule\/3 sent nothing for 40ms \(streamIdleTimeout 40ms\)/);
  assert.equal(await router.responseBody({ body: Buffer.from(event), end_of_stream: true }), undefined, 'nothing after the end');
  router.close();
});

test('every x-ai-eg-* header a client sends is removed, and nothing the router reads sees it', async () => {
  const config = testFilterConfig();
  // A rule matching on an internal header: a client must not be able to satisfy it.
  config.rules.unshift({
    name: 'default/r/rule/9',
    route: 'default/r',
    listeners: [TEST_LISTENER],
    hostnames: [],
    headers: [{ name: 'x-ai-eg-model', type: 'Exact', value: 'gpt-4o-mini' }, { name: 'x-ai-eg-tenant', type: 'Exact', value: 'blue' }],
    backends: [{ name: 'default/override/route/r/rule/1/ref/0', weight: 1, priority: 0 }],
    mode: 'router',
  });
  const router = new RouterProcessor(testRuntime(config));
  const headers = router.requestHeaders(headersMessage({ ':path': '/v1/chat/completions', 'x-ai-eg-upstream-host': 'evil.example', 'X-AI-EG-Internal-Req-Id': 'forged', 'x-ai-eg-tenant': 'blue' }));
  const removed = headers.request_headers?.response?.header_mutation?.remove_headers ?? [];
  for (const name of ['x-ai-eg-upstream-host', 'x-ai-eg-internal-req-id', 'x-ai-eg-tenant']) assert.ok(removed.includes(name), `${name} is removed (${removed.join(', ')})`);
  const response = await router.requestBody({ body: Buffer.from('{"model":"gpt-4o-mini","messages":[]}'), end_of_stream: true });
  assert.equal(setHeaders(response.request_body?.response?.header_mutation)['x-ai-eg-route'], 'default/openai/route/r/rule/0/ref/0');
});

/** The gen_ai_server_request_duration_seconds count per error_type, from the runtime's Prometheus text. */
async function durationCounts(runtime: ReturnType<typeof testRuntime>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const line of (await runtime.metrics.registry.metrics()).split('\n')) {
    const match = /^gen_ai_server_request_duration_seconds_count\{.*error_type="([^"]*)".*\} (\d+)$/.exec(line);
    if (match) counts[match[1] ?? ''] = (counts[match[1] ?? ''] ?? 0) + Number(match[2]);
  }
  return counts;
}

test('a local reply after the backend was chosen (422 unsupported pair, 401 missing credential) counts as a failed request', async () => {
  const config = testFilterConfig();
  const openai = config.backends[0];
  assert.ok(openai);
  openai.auth = { type: 'APIKey', key: 'sk-test-secret', override: { header: 'x-tenant-key', fallbackToConfigured: false } };
  const runtime = testRuntime(config);
  const send = async (body: string): Promise<ProcessingResponse> => {
    const router = new RouterProcessor(runtime);
    router.requestHeaders(headersMessage({ ':path': '/v1/chat/completions' }));
    return router.requestBody({ body: Buffer.from(body), end_of_stream: true });
  };
  assert.equal((await send('{"model":"titan"}')).immediate_response?.status?.code, 'UnprocessableEntity');
  assert.equal((await send('{"model":"gpt-4o-mini","messages":[]}')).immediate_response?.status?.code, 'Unauthorized');
  assert.deepEqual(await durationCounts(runtime), { _OTHER: 2 });
  // A reply made before any backend is chosen (unknown model) is not a request to a provider.
  assert.equal((await send('{"model":"no-such-model"}')).immediate_response?.status?.code, 'NotFound');
  assert.deepEqual(await durationCounts(runtime), { _OTHER: 2 });
});

test('rate limits: the router checks the routed target itself (x-ratelimit-* on the response), charges the response cost when it is done, then answers a 429 in the client API\'s shape with retry-after', async () => {
  const actions: RateLimitAction[] = [{ kind: 'generic', key: 'route', value: 'r' }, { kind: 'requestHeader', header: 'x-ai-eg-model', key: 'model' }];
  const rateLimitConfig: RateLimitConfig = {
    domains: [{ domain: TEST_LISTENER, descriptors: [{ key: 'route', value: 'r', descriptors: [{ key: 'model', rateLimit: { requestsPerUnit: 5, unit: 'minute' }, source: 'test' }] }] }],
    // Each request counts 1 when checked, and its input tokens (cost `in`) when its response is done.
    checks: { rules: [{ name: 'default/r/rule/0', checks: [{ actions }], charges: [{ actions, hits: { metadata: { namespace: 'io.envoy.ai_gateway', key: 'in' } } }] }], backends: [] },
    failureModeDeny: false,
  };
  const runtime = { ...testRuntime(), rateLimits: new RouterRateLimits(rateLimitConfig, new RateLimiter({ config: rateLimitConfig, store: new MemoryStore() })) };
  const request = async (path: string): Promise<{ router: RouterProcessor; response: ProcessingResponse }> => {
    const router = new RouterProcessor(runtime, { listener: TEST_LISTENER });
    // A client's own x-ai-eg-model is not what counts: the model from the body is.
    router.requestHeaders(headersMessage({ ':path': path, 'x-ai-eg-model': `spoofed-${path}` }));
    const body = path.startsWith('/anthropic') ? '{"model":"gpt-4o-mini","max_tokens":5,"messages":[{"role":"user","content":"hi"}]}' : '{"model":"gpt-4o-mini","messages":[]}';
    return { router, response: await router.requestBody({ body: Buffer.from(body), end_of_stream: true }) };
  };
  const rateLimitHeaders = (response: ProcessingResponse): string[][] =>
    (response.response_headers?.response?.header_mutation?.set_headers ?? [])
      .filter((entry) => entry.header?.key?.startsWith('x-ratelimit-'))
      .map((entry) => [entry.header?.key ?? '', Buffer.from(entry.header?.raw_value ?? '').toString(), String(entry.append_action ?? '')]);

  const first = await request('/v1/chat/completions');
  assert.ok(first.response.request_body, 'the first request goes on');
  const added = rateLimitHeaders(first.router.responseHeaders(headersMessage({ ':status': '200', 'content-type': 'application/json' })));
  assert.deepEqual(added.slice(0, 2), [
    ['x-ratelimit-limit', '5, 5;w=60', 'APPEND_IF_EXISTS_OR_ADD'],
    ['x-ratelimit-remaining', '4', 'APPEND_IF_EXISTS_OR_ADD'],
  ]);
  assert.equal(added[2]?.[0], 'x-ratelimit-reset');
  await first.router.responseBody({ body: Buffer.from('{"model":"gpt-4o-mini","usage":{"prompt_tokens":3,"completion_tokens":2}}'), end_of_stream: true });
  await new Promise((resolve) => setImmediate(resolve));

  const second = await request('/v1/chat/completions');
  assert.ok(second.response.request_body, '1 + 3 + 1 = 5 is not over 5');
  assert.equal(rateLimitHeaders(second.router.responseHeaders(headersMessage({ ':status': '200' })))[1]?.[1], '0', 'the 3 input tokens were charged');
  const refused = (await request('/v1/chat/completions')).response;
  assert.equal(refused.immediate_response?.status?.code, 'TooManyRequests');
  const body: unknown = JSON.parse(Buffer.from(refused.immediate_response?.body ?? '').toString());
  assert.ok(isRecord(body) && isRecord(body.error));
  assert.equal(body.error.type, 'rate_limit_error');
  assert.equal(body.error.code, 'rate_limit_exceeded');
  const headers = setHeaders(refused.immediate_response?.headers);
  assert.equal(headers['x-ratelimit-remaining'], '0');
  assert.equal(headers['retry-after'], headers['x-ratelimit-reset']);
  assert.equal(headers['x-envoy-ratelimited'], 'true');
  const anthropic = (await request('/anthropic/v1/messages')).response;
  const anthropicBody: unknown = JSON.parse(Buffer.from(anthropic.immediate_response?.body ?? '').toString());
  assert.ok(isRecord(anthropicBody) && isRecord(anthropicBody.error));
  assert.equal(anthropicBody.type, 'error');
  assert.equal(anthropicBody.error.type, 'rate_limit_error');
});
