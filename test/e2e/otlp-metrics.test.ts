/**
 * End to end: with OTEL_EXPORTER_OTLP_METRICS_ENDPOINT set, the GenAI metrics are pushed over
 * OTLP (here http/json) with the OpenTelemetry names, units, attributes and buckets, while
 * Prometheus on the admin port keeps working.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { BUCKETS } from '../../extproc/telemetry/metrics/genai-metrics.js';
import { gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';

let upstream: FakeOpenAI;
let receiver: OtlpReceiver;
let aigw: AigwProcess;
let client: OpenAI;

before(async () => {
  upstream = await startFakeOpenAI({ usage: { promptTokens: 13, completionTokens: 5 } });
  receiver = await startOtlpReceiver();
  aigw = await startAigw({
    configYaml: (port) => gatewayConfigYaml({ port, upstreamPort: upstream.port, models: ['gpt-4o-mini', 'text-embedding-3-small'], accessLog: false }),
    env: {
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${receiver.url}/v1/metrics`,
      OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'http/json',
      OTEL_METRIC_EXPORT_INTERVAL: '200',
      OTEL_AIGW_METRICS_REQUEST_HEADER_ATTRIBUTES: 'x-team-id:team.id',
    },
  });
  const port = aigw.port;
  client = new OpenAI({ baseURL: `http://localhost:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
  await receiver?.close();
});

test('token usage and request duration are exported over OTLP with GenAI names and attributes', async () => {
  await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'count me' }] }, { headers: { 'x-team-id': 'red' } });
  const input = await receiver.waitForMetric((point) => point.name === 'gen_ai.client.token.usage' && point.attributes['gen_ai.token.type'] === 'input');
  assert.equal(input.unit, '{token}');
  assert.equal(input.sum, 13);
  assert.equal(input.count, 1);
  assert.deepEqual(input.explicitBounds, BUCKETS.tokenUsage);
  assert.deepEqual(input.attributes, {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.original.model': 'gpt-4o-mini',
    'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.response.model': 'gpt-4o-mini',
    'gen_ai.token.type': 'input',
    'team.id': 'red',
  });
  assert.equal(input.resource['service.name'], 'ai-gateway');
  const output = await receiver.waitForMetric((point) => point.name === 'gen_ai.client.token.usage' && point.attributes['gen_ai.token.type'] === 'output');
  assert.equal(output.sum, 5);
  const duration = await receiver.waitForMetric((point) => point.name === 'gen_ai.server.request.duration');
  assert.equal(duration.unit, 's');
  assert.equal(duration.count, 1);
  assert.ok(!('error.type' in duration.attributes));

  const prometheus = await (await fetch(`http://127.0.0.1:${aigw.adminPort}/metrics`)).text();
  assert.match(prometheus, /gen_ai_client_token_usage_sum\{[^}]*gen_ai_token_type="input"\} 13/);
});

test('a failed request records the duration with error.type=_OTHER and no tokens', async () => {
  upstream.configure({ error: { status: 500, times: 1 } });
  await assert.rejects(client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'fail' }] }));
  const failed = await receiver.waitForMetric((point) => point.name === 'gen_ai.server.request.duration' && point.attributes['error.type'] === '_OTHER');
  assert.equal(failed.count, 1);
});

test('streaming chat exports time to first token and time per output token; embeddings their input tokens', async () => {
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'stream' }], stream: true, stream_options: { include_usage: true } });
  for await (const chunk of stream) void chunk;
  const ttft = await receiver.waitForMetric((point) => point.name === 'gen_ai.server.time_to_first_token');
  assert.equal(ttft.unit, 's');
  assert.equal(ttft.attributes['gen_ai.operation.name'], 'chat');
  assert.deepEqual(ttft.explicitBounds, BUCKETS.timeToFirstToken);
  const perToken = await receiver.waitForMetric((point) => point.name === 'gen_ai.server.time_per_output_token');
  assert.ok(perToken.count >= 1);

  await client.embeddings.create({ model: 'text-embedding-3-small', input: 'vectorise me' });
  const embeddingTokens = await receiver.waitForMetric(
    (point) => point.name === 'gen_ai.client.token.usage' && point.attributes['gen_ai.operation.name'] === 'embeddings' && point.attributes['gen_ai.token.type'] === 'input',
  );
  assert.equal(embeddingTokens.sum, 13);
  assert.equal(embeddingTokens.attributes['gen_ai.request.model'], 'text-embedding-3-small');
});
