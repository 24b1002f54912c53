/**
 * End to end: the real `aigw` CLI (real Envoy, ext_proc child process) in front of a fake
 * OpenAI upstream, driven by the official `openai` SDK.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { isRecord } from '../../common/json-guards.js';
import { DEFAULT_TEST_API_KEY, gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';
import { runCli } from '../support/run-cli.js';
import { join } from 'node:path';

let upstream: FakeOpenAI;
let aigw: AigwProcess;
let port: number;
let client: OpenAI;

before(async () => {
  upstream = await startFakeOpenAI({ usage: { promptTokens: 11, completionTokens: 7 }, contentChunks: ['Hello', ' from', ' the fake'] });
  aigw = await startAigw({
    configYaml: (port) => gatewayConfigYaml({ port, upstreamPort: upstream.port, models: ['gpt-4o-mini', 'text-embedding-3-small', 'gpt-3.5-turbo-instruct', 'gpt-4o-logged'] }),
    env: { OTEL_AIGW_METRICS_REQUEST_HEADER_ATTRIBUTES: 'x-team-id:team.id' },
  });
  port = aigw.port;
  client = new OpenAI({ baseURL: `http://localhost:${port}/v1`, apiKey: 'client-side-key-is-replaced', maxRetries: 0 });
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
});

test('chat completion: content and usage reach the client; the upstream saw the key, path and unchanged body', async () => {
  upstream.reset();
  const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say this is a test!' }] });
  assert.equal(completion.choices[0]?.message.content, 'Hello from the fake');
  assert.deepEqual(
    { prompt: completion.usage?.prompt_tokens, completion: completion.usage?.completion_tokens, total: completion.usage?.total_tokens },
    { prompt: 11, completion: 7, total: 18 },
  );
  const [seen] = upstream.requests;
  assert.ok(seen);
  assert.equal(seen.path, '/v1/chat/completions');
  assert.equal(seen.header('authorization'), `Bearer ${DEFAULT_TEST_API_KEY}`);
  assert.deepEqual(seen.json(), { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say this is a test!' }] });
});

test('streaming chat completion: chunks in order and the final usage chunk', async () => {
  upstream.reset();
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'stream please' }],
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let usageTotal: number | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    if (chunk.usage) usageTotal = chunk.usage.total_tokens;
  }
  assert.equal(text, 'Hello from the fake');
  assert.equal(usageTotal, 18);
});

test('streaming without include_usage: the gateway asks for usage (costs are configured) and logs it, but the client gets no usage chunk', async () => {
  upstream.reset();
  const since = aigw.stdout.length;
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }], stream: true });
  const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.ok(chunks.length > 0);
  assert.ok(
    chunks.every((chunk) => chunk.choices.length > 0 && chunk.usage == null),
    'OpenAI sends the usage chunk only to clients that ask (stream_options.include_usage), and so does the gateway',
  );
  const seen = upstream.requests[0]?.json();
  assert.ok(isRecord(seen) && isRecord(seen.stream_options));
  assert.equal(seen.stream_options.include_usage, true);
  const line = await aigw.waitForStdout(/"gen_ai.usage.total_tokens":18/, 5000, since);
  assert.match(line, /"gen_ai.usage.input_tokens":11/);
  assert.match(line, /"response_code":200/);
});

test('legacy completions and embeddings', async () => {
  upstream.reset();
  const completion = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say this is a test' });
  assert.equal(completion.object, 'text_completion');
  assert.ok((completion.choices[0]?.text ?? '').length > 0);
  const embedding = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
  assert.ok((embedding.data[0]?.embedding.length ?? 0) > 0);
  assert.equal(embedding.usage.prompt_tokens, 11);
  assert.deepEqual(upstream.requests.map((request) => request.path), ['/v1/completions', '/v1/embeddings']);
});

test('models are listed from the configuration', async () => {
  const models = [];
  for await (const model of client.models.list()) models.push(model.id);
  assert.deepEqual(models, ['gpt-4o-mini', 'text-embedding-3-small', 'gpt-3.5-turbo-instruct', 'gpt-4o-logged']);
});

test('unknown model: 404 naming the model', async () => {
  await assert.rejects(
    client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'x' }] }),
    (error: unknown) => {
      assert.ok(error instanceof OpenAI.NotFoundError);
      assert.match(error.message, /no-such-model/);
      return true;
    },
  );
});

test('malformed JSON: 400 with upstream aigw\'s error object', async () => {
  const response = await fetch(`http://localhost:${port}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model":' });
  assert.equal(response.status, 400);
  const body: unknown = await response.json();
  assert.ok(isRecord(body) && isRecord(body.error));
  assert.equal(body.type, 'error');
  assert.equal(body.error.type, 'BadRequest');
  assert.equal(body.error.code, '400');
  assert.match(String(body.error.message), /^malformed request: failed to parse JSON/);
});

test('upstream errors pass through with their status and body', async () => {
  upstream.reset();
  upstream.configure({ error: { status: 429, body: { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } }, times: 1 } });
  await assert.rejects(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
    assert.ok(error instanceof OpenAI.RateLimitError);
    assert.match(error.message, /Rate limit reached/);
    return true;
  });
});

test('the access log carries model, backend and token counts; /metrics shows the tokens', async () => {
  upstream.reset();
  const since = aigw.stdout.length;
  // A model only this test uses, so the line found is this request's (Envoy flushes logs in batches).
  await client.chat.completions.create({ model: 'gpt-4o-logged', messages: [{ role: 'user', content: 'log me' }] }, { headers: { 'x-team-id': 'blue', 'agent-session-id': 'session-42' } });
  const line = await aigw.waitForStdout(/"gen_ai.request.model":"gpt-4o-logged"/, 5000, since);
  const entry: unknown = JSON.parse(line);
  assert.ok(isRecord(entry));
  assert.equal(entry['gen_ai.usage.input_tokens'], 11);
  assert.equal(entry['gen_ai.usage.output_tokens'], 7);
  assert.equal(entry.response_code, 200);
  assert.match(String(entry.backend), /^default\/openai\/route\//);
  // agent-session-id → session.id is the default log header mapping (as upstream).
  assert.equal(entry['session.id'], 'session-42');

  const metrics = await (await fetch(`http://127.0.0.1:${aigw.adminPort}/metrics`)).text();
  assert.match(metrics, /gen_ai_client_token_usage_sum\{[^}]*gen_ai_operation_name="chat"[^}]*gen_ai_request_model="gpt-4o-mini"[^}]*gen_ai_token_type="output"\} \d+/);
  assert.match(metrics, /gen_ai_server_request_duration_seconds_count\{[^}]*gen_ai_operation_name="embeddings"/);
  assert.match(metrics, /gen_ai_client_token_usage_sum\{[^}]*gen_ai_request_model="gpt-4o-logged"[^}]*team_id="blue"[^}]*gen_ai_token_type="input"\} 11/);
  const health = await fetch(`http://127.0.0.1:${aigw.adminPort}/health`);
  assert.equal(health.status, 200);
});

test('the API key never appears in aigw output', () => {
  assert.doesNotMatch(aigw.stdout + aigw.stderr, new RegExp(DEFAULT_TEST_API_KEY));
});

test('aigw healthcheck: 0 while the gateway is ready', async () => {
  const env = { AIGW_RUNTIME_DIR: join(aigw.tempDir, 'run') };
  assert.equal((await runCli(['healthcheck', '--run-id', aigw.runId], { env })).code, 0);
  assert.equal((await runCli(['healthcheck'], { env })).code, 0, 'the most recent run by default');
  const missing = await runCli(['healthcheck', '--run-id', 'no-such-run'], { env });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no aigw run is running under run id no-such-run/);
});

test('SIGTERM stops Envoy and the ext_proc and exits 0', async () => {
  const exit = await aigw.stop('SIGTERM');
  assert.deepEqual(exit, { code: 0, signal: null });
  await assert.rejects(fetch(`http://localhost:${port}/v1/models`));
  const after = await runCli(['healthcheck', '--run-id', aigw.runId], { env: { AIGW_RUNTIME_DIR: join(aigw.tempDir, 'run') } });
  assert.equal(after.code, 1, 'not healthy once stopped');
});
