/**
 * A rule with fallback priorities is served by the per-attempt upstream filter: Envoy picks the
 * backend (priority 0 while it is healthy) and the upstream filter adds its path and key and
 * reads the response. The client cannot tell the difference from a single-backend rule.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { isRecord } from '../../extproc/json-guards.js';
import { DEFAULT_TEST_API_KEY, freePort, gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { extraBackendYaml } from '../support/extra-backend-yaml.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';

let primary: FakeOpenAI;
let secondary: FakeOpenAI;
let aigw: AigwProcess;
let client: OpenAI;

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
  aigw = await startAigw({ configYaml: yaml });
  client = new OpenAI({ baseURL: `http://localhost:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
});

after(async () => {
  await aigw?.stop();
  await primary?.close();
  await secondary?.close();
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
