/**
 * A rule with fallback priorities is served by the per-attempt upstream filter: Envoy picks the
 * backend (priority 0 while it is healthy) and the upstream filter adds its path and key and
 * reads the response. The client cannot tell the difference from a single-backend rule.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { isRecord } from '../../common/json-guards.js';
import { DEFAULT_TEST_API_KEY, freePort, gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { extraBackendYaml } from '../support/extra-backend-yaml.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';

let primary: FakeOpenAI;
let secondary: FakeOpenAI;
let aigw: AigwProcess;
let client: OpenAI;
let receiver: OtlpReceiver;

before(async () => {
  primary = await startFakeOpenAI({ usage: { promptTokens: 21, completionTokens: 4 } });
  secondary = await startFakeOpenAI();
  const port = await freePort();
  const base = gatewayConfigYaml({ port, upstreamPort: primary.port, models: ['gpt-4o-mini'] });
  const yaml = `${base.replace(
    '      backendRefs:\n        - name: openai\n',
    '      backendRefs:\n        - name: openai\n          priority: 0\n        - name: secondary\n          priority: 1\n',
  )}
${extraBackendYaml('secondary', secondary.port)}`;
  assert.match(yaml, /priority: 1/);
  receiver = await startOtlpReceiver();
  aigw = await startAigw({
    configYaml: yaml,
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '50' },
  });
  client = new OpenAI({ baseURL: `http://localhost:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
});

after(async () => {
  await aigw?.stop();
  await primary?.close();
  await secondary?.close();
  await receiver?.close();
});

test('the priority-0 backend serves the request through the upstream filter, key and usage included', async () => {
  const since = aigw.stdout.length;
  const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(completion.usage?.prompt_tokens, 21);
  assert.equal(primary.requests.length, 1);
  assert.equal(secondary.requests.length, 0);
  assert.equal(primary.requests[0]?.header('authorization'), `Bearer ${DEFAULT_TEST_API_KEY}`);
  assert.equal(primary.requests[0]?.path, '/v1/chat/completions');
  const line = await aigw.waitForStdout(/"gen_ai.usage.input_tokens":21/, 5000, since);
  const entry: unknown = JSON.parse(line);
  assert.ok(isRecord(entry));
  assert.equal(entry.backend, 'default/openai/route/aigw-run/rule/0/ref/0');
});

test('streaming works through the upstream filter too', async () => {
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
  let total: number | undefined;
  let chunks = 0;
  for await (const chunk of stream) {
    chunks++;
    if (chunk.usage) total = chunk.usage.total_tokens;
  }
  assert.ok(chunks > 2);
  assert.equal(total, 25);
});

test('tracing: the router records the span of a fallback rule from the translated response, streaming and error included', async () => {
  const traceId = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const stream = await client.chat.completions.create(
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'trace me' }], stream: true, stream_options: { include_usage: true } },
    { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } },
  );
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  const span = await receiver.waitForSpan((candidate) => candidate.traceId === traceId);
  assert.equal(span.name, 'ChatCompletion');
  assert.equal(span.attributes['llm.output_messages.0.message.content'], text);
  assert.equal(span.attributes['llm.token_count.total'], 25);
  assert.deepEqual(span.events.map((event) => event.name), ['First Token Stream Event']);
  assert.equal(primary.requests.at(-1)?.header('traceparent'), `00-${traceId}-${span.spanId}-01`);

  // Both backends fail: the client's error (after Envoy's retry) ends the span as an error.
  primary.configure({ error: { status: 503, times: 2 } });
  secondary.configure({ error: { status: 503, times: 2 } });
  const failedTrace = 'b1b2c3d4e5f60718293a4b5c6d7e8f90';
  await assert.rejects(
    client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'fail' }] }, { headers: { traceparent: `00-${failedTrace}-00f067aa0ba902b7-01` } }),
    (error: unknown) => error instanceof OpenAI.APIError && error.status === 503,
  );
  const failed = await receiver.waitForSpan((candidate) => candidate.traceId === failedTrace);
  assert.equal(failed.status.code, 2);
  assert.match(failed.status.message ?? '', /^Error code: 503/);
  primary.reset();
  secondary.reset();
});
