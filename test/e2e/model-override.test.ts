/**
 * A backendRef with modelNameOverride: the body is rewritten (only the model), and the response
 * is still read for usage — the body override must not switch response processing off.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { isRecord } from '../../common/json-guards.js';
import { freePort, gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';

let upstream: FakeOpenAI;
let aigw: AigwProcess;
let client: OpenAI;

before(async () => {
  upstream = await startFakeOpenAI({ usage: { promptTokens: 5, completionTokens: 3 } });
  const port = await freePort();
  const yaml = gatewayConfigYaml({ port, upstreamPort: upstream.port, models: ['alias'], schemaPrefix: 'api/v2' }).replace(
    '      backendRefs:\n        - name: openai\n',
    '      backendRefs:\n        - name: openai\n          modelNameOverride: real-model-2024\n',
  );
  assert.match(yaml, /modelNameOverride/);
  aigw = await startAigw({ configYaml: yaml });
  client = new OpenAI({ baseURL: `http://localhost:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
});

test('the provider gets the overridden model under the schema prefix; the rest of the body is untouched', async () => {
  const completion = await client.chat.completions.create({ model: 'alias', messages: [{ role: 'user', content: 'hi' }], temperature: 0.5 });
  assert.equal(completion.model, 'real-model-2024');
  const [seen] = upstream.requests;
  assert.equal(seen?.path, '/api/v2/chat/completions');
  assert.equal(seen?.text(), '{"model":"real-model-2024","messages":[{"role":"user","content":"hi"}],"temperature":0.5}');
});

test('usage of overridden requests is still recorded, with both model names', async () => {
  const since = aigw.stdout.length;
  await client.chat.completions.create({ model: 'alias', messages: [{ role: 'user', content: 'count me' }] });
  const line = await aigw.waitForStdout(/"gen_ai.usage.input_tokens":5/, 5000, since);
  const entry: unknown = JSON.parse(line);
  assert.ok(isRecord(entry));
  assert.equal(entry.response_model, 'real-model-2024');
  const metrics = await (await fetch(`http://127.0.0.1:${aigw.adminPort}/metrics`)).text();
  assert.match(metrics, /gen_ai_client_token_usage_count\{[^}]*gen_ai_original_model="alias",gen_ai_request_model="real-model-2024"[^}]*gen_ai_token_type="input"\} 2/);
});
