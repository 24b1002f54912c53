/**
 * The OpenAI endpoints besides chat and embeddings, pass-through to OpenAI and Azure OpenAI:
 * the Responses API (usage from the body and from `response.completed` in streams), image
 * generation and speech, through the real gateway with the official SDK.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { startAigw, type AigwProcess } from '../support/aigw-process.js';
import { instructions, startInstructedUpstream, type InstructedUpstream } from '../support/instructed-upstream.js';
import { BACKEND_SELECTOR_HEADER, providerGatewayYaml } from '../support/provider-gateway-yaml.js';

let upstream: InstructedUpstream;
let aigw: AigwProcess;
let client: OpenAI;

const RESPONSE = {
  id: 'resp_1',
  object: 'response',
  created_at: 1,
  model: 'gpt-4.1-2025-04-14',
  status: 'completed',
  output: [{ type: 'message', id: 'msg_1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hello there', annotations: [] }] }],
  usage: { input_tokens: 12, output_tokens: 3, total_tokens: 15, input_tokens_details: { cached_tokens: 4 }, output_tokens_details: { reasoning_tokens: 1 } },
};

before(async () => {
  upstream = await startInstructedUpstream();
  aigw = await startAigw({
    configYaml: (port) => providerGatewayYaml(port, [
      { name: 'openai', schema: { name: 'OpenAI' }, port: upstream.port, security: { type: 'APIKey', apiKey: { secretRef: { name: 'key' } } }, secrets: { key: { apiKey: 'sk-openai' } } },
      { name: 'openai-override', schema: { name: 'OpenAI' }, port: upstream.port, modelNameOverride: 'gpt-4o-transcribe' },
      { name: 'azure', schema: { name: 'AzureOpenAI', version: '2025-03-01-preview' }, port: upstream.port, security: { type: 'AzureAPIKey', azureAPIKey: { secretRef: { name: 'azure-key' } } }, secrets: { 'azure-key': { apiKey: 'az-key' } } },
      // A fallback rule (upstream mode): an OpenAI primary that fails, then Azure.
      { name: 'azure-fallback', schema: { name: 'AzureOpenAI', version: '2025-03-01-preview' }, port: upstream.port, failingPrimaryPort: upstream.port },
      // A per-request credential is required: no header, no request.
      {
        name: 'strict',
        schema: { name: 'OpenAI' },
        port: upstream.port,
        security: { type: 'APIKey', apiKey: { secretRef: { name: 'strict-key' } }, credentialOverride: { fromRequestHeaders: { header: 'x-tenant-key', fallbackToConfigured: false } } },
        secrets: { 'strict-key': { apiKey: 'sk-strict' } },
      },
    ]),
  });
  const port = aigw.port;
  client = new OpenAI({ baseURL: `http://localhost:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
});

function tokensOf(model: string): Promise<Record<string, unknown>> {
  return aigw.waitForStdout(new RegExp(`"gen_ai.request.model":"${model}"`)).then((line): Record<string, unknown> => {
    const parsed: unknown = JSON.parse(line);
    assert.ok(typeof parsed === 'object' && parsed !== null);
    return { ...parsed };
  });
}

test('responses: passed through to OpenAI, usage from the body', async () => {
  const response = await client.responses.create(
    { model: 'gpt-4.1', input: 'Say hello' },
    { headers: { [BACKEND_SELECTOR_HEADER]: 'openai', ...instructions({ responseBody: JSON.stringify(RESPONSE), expectedPath: '/v1/responses', expectedHeaders: { authorization: 'Bearer sk-openai' }, expectedBody: '{"model":"gpt-4.1","input":"Say hello"}' }) } },
  );
  assert.equal(response.output_text, 'Hello there');
  const log = await tokensOf('gpt-4.1');
  assert.equal(log['gen_ai.usage.input_tokens'], 12);
  assert.equal(log['gen_ai.usage.output_tokens'], 3);
});

test('responses streaming: events pass through, usage from response.completed, nothing added to the request', async () => {
  const events = [
    { type: 'response.created', sequence_number: 0, response: { ...RESPONSE, status: 'in_progress', output: [], usage: null, model: 'gpt-4.1-mini-2025' } },
    { type: 'response.output_text.delta', sequence_number: 1, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hi' },
    { type: 'response.completed', sequence_number: 2, response: { ...RESPONSE, model: 'gpt-4.1-mini-2025', usage: { input_tokens: 7, output_tokens: 2, total_tokens: 9 } } },
  ];
  const stream = await client.responses.create(
    { model: 'gpt-4.1-mini', input: 'hi', stream: true },
    {
      headers: {
        [BACKEND_SELECTOR_HEADER]: 'openai',
        ...instructions({ responseType: 'sse', responseBody: events.map((event) => JSON.stringify(event)).join('\n'), expectedBody: '{"model":"gpt-4.1-mini","input":"hi","stream":true}' }),
      },
    },
  );
  const types: string[] = [];
  for await (const event of stream) types.push(event.type);
  assert.deepEqual(types, ['response.created', 'response.output_text.delta', 'response.completed']);
  const log = await tokensOf('gpt-4.1-mini');
  assert.equal(log['gen_ai.usage.input_tokens'], 7);
  assert.equal(log.response_model, 'gpt-4.1-mini-2025');
});

test('responses to Azure OpenAI: /openai/responses with api-version, api-key', async () => {
  const response = await client.responses.create(
    { model: 'gpt-4.1', input: 'x' },
    { headers: { [BACKEND_SELECTOR_HEADER]: 'azure', ...instructions({ responseBody: JSON.stringify(RESPONSE), expectedPath: '/openai/responses?api-version=2025-03-01-preview', expectedHeaders: { 'api-key': 'az-key' } }) } },
  );
  assert.equal(response.id, 'resp_1');
});

test('image generation and speech pass through to OpenAI', async () => {
  const image = await client.images.generate(
    { model: 'gpt-image-1', prompt: 'a gateway' },
    {
      headers: {
        [BACKEND_SELECTOR_HEADER]: 'openai',
        ...instructions({ responseBody: JSON.stringify({ created: 1, data: [{ b64_json: 'aGk=' }], usage: { input_tokens: 5, output_tokens: 100, total_tokens: 105 } }), expectedPath: '/v1/images/generations' }),
      },
    },
  );
  assert.equal(image.data?.[0]?.b64_json, 'aGk=');
  const log = await tokensOf('gpt-image-1');
  assert.equal(log['gen_ai.usage.output_tokens'], 100);

  const speech = await client.audio.speech.create(
    { model: 'gpt-4o-mini-tts', voice: 'alloy', input: 'hello' },
    { headers: { [BACKEND_SELECTOR_HEADER]: 'openai', ...instructions({ responseBody: 'ID3-fake-mp3', expectedPath: '/v1/audio/speech', responseHeaders: { 'content-type': 'audio/mpeg' } }) } },
  );
  assert.equal(Buffer.from(await speech.arrayBuffer()).toString(), 'ID3-fake-mp3');
});

/** The count of gen_ai_server_request_duration_seconds observations whose labels include all of `labels`. */
async function requestDurationCount(labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${aigw.adminPort}/metrics`)).text();
  let count = 0;
  for (const line of text.split('\n')) {
    const match = /^gen_ai_server_request_duration_seconds_count\{(.*)\} (\d+)$/.exec(line);
    if (match && Object.entries(labels).every(([name, value]) => (match[1] ?? '').includes(`${name}="${value}"`))) count += Number(match[2]);
  }
  return count;
}

test('an endpoint a backend cannot serve: 422 in the client API shape, counted as a failed request', async () => {
  const labels = { gen_ai_operation_name: 'image_generation', gen_ai_provider_name: 'azure.openai', gen_ai_request_model: 'dall-e-3', error_type: '_OTHER' };
  const before = await requestDurationCount(labels);
  const response = await fetch(`${client.baseURL}/images/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [BACKEND_SELECTOR_HEADER]: 'azure' },
    body: JSON.stringify({ model: 'dall-e-3', prompt: 'x' }),
  });
  assert.equal(response.status, 422);
  assert.deepEqual(await response.json(), {
    type: 'error',
    error: { type: 'UnprocessableEntity', code: '422', message: 'invalid request body: /v1/images/generations cannot be served by a backend with schema AzureOpenAI' },
  });
  assert.equal(await requestDurationCount(labels), before + 1);
});

test('a fallback attempt the next backend cannot serve: 422 from the upstream filter, counted as a failed request', async () => {
  const labels = { gen_ai_operation_name: 'image_generation', gen_ai_provider_name: 'azure.openai', gen_ai_request_model: 'gpt-image-1', error_type: '_OTHER' };
  const before = await requestDurationCount(labels);
  const response = await fetch(`${client.baseURL}/images/generations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [BACKEND_SELECTOR_HEADER]: 'azure-fallback', ...instructions({ responseStatus: 500, responseBody: '{"error":{"message":"primary down"}}' }) },
    body: JSON.stringify({ model: 'gpt-image-1', prompt: 'x' }),
  });
  const text = await response.text();
  assert.equal(response.status, 422, text);
  assert.match(text, /cannot be served by a backend with schema AzureOpenAI/);
  assert.equal(await requestDurationCount(labels), before + 1);
  // The primary's own failure is a provider error, recorded by the primary's attempt.
  assert.ok((await requestDurationCount({ ...labels, gen_ai_provider_name: 'openai' })) >= 1);
});

test('a missing per-request credential: 401 before any provider is called, counted as a failed request', async () => {
  const labels = { gen_ai_operation_name: 'chat', gen_ai_provider_name: 'openai', gen_ai_request_model: 'gpt-4o-strict', error_type: '_OTHER' };
  const before = await requestDurationCount(labels);
  const calls = upstream.requests.length;
  const missing = await fetch(`${client.baseURL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [BACKEND_SELECTOR_HEADER]: 'strict' },
    body: JSON.stringify({ model: 'gpt-4o-strict', messages: [{ role: 'user', content: 'hi' }] }),
  });
  assert.equal(missing.status, 401);
  assert.match(await missing.text(), /missing upstream credential/);
  assert.equal(upstream.requests.length, calls, 'no provider call');
  assert.equal(await requestDurationCount(labels), before + 1);
});

test('audio transcription: the multipart upload passes byte for byte; a model override edits only the model field', async () => {
  const audio = Buffer.from([0x52, 0x49, 0x46, 0x46, 0, 1, 2, 3, 0xff, 0x0d, 0x0a, 0x2d, 0x2d]);
  const answer = JSON.stringify({ text: 'hello world', usage: { type: 'tokens', input_tokens: 14, output_tokens: 3, total_tokens: 17 } });
  const transcription = await client.audio.transcriptions.create(
    { file: await toFile(audio, 'clip.wav', { type: 'audio/wav' }), model: 'whisper-1', language: 'en' },
    { headers: { [BACKEND_SELECTOR_HEADER]: 'openai', ...instructions({ responseBody: answer, expectedPath: '/v1/audio/transcriptions', expectedHeaders: { authorization: 'Bearer sk-openai' } }) } },
  );
  assert.equal(transcription.text, 'hello world');
  const received = upstream.requests.at(-1);
  assert.ok(received);
  const form = await new Response(received.body, { headers: { 'content-type': received.headers['content-type'] ?? '' } }).formData();
  assert.equal(form.get('model'), 'whisper-1');
  const file = form.get('file');
  assert.ok(file instanceof Blob);
  assert.deepEqual(Buffer.from(await file.arrayBuffer()), audio);
  const log = await tokensOf('whisper-1');
  assert.equal(log['gen_ai.usage.input_tokens'], 14);

  await client.audio.transcriptions.create(
    { file: await toFile(audio, 'clip.wav', { type: 'audio/wav' }), model: 'whisper-1' },
    { headers: { [BACKEND_SELECTOR_HEADER]: 'openai-override', ...instructions({ responseBody: answer }) } },
  );
  const overridden = upstream.requests.at(-1);
  assert.ok(overridden);
  const overriddenForm = await new Response(overridden.body, { headers: { 'content-type': overridden.headers['content-type'] ?? '' } }).formData();
  assert.equal(overriddenForm.get('model'), 'gpt-4o-transcribe');
  const overriddenFile = overriddenForm.get('file');
  assert.ok(overriddenFile instanceof Blob);
  assert.deepEqual(Buffer.from(await overriddenFile.arrayBuffer()), audio);
  assert.equal(overridden.headers['content-length'], String(overridden.body.length));
});

test('audio: a form without a model, or a JSON body, is a 400', async () => {
  const form = new FormData();
  form.set('language', 'en');
  const missing = await fetch(`${client.baseURL}/audio/transcriptions`, { method: 'POST', headers: { [BACKEND_SELECTOR_HEADER]: 'openai' }, body: form });
  assert.equal(missing.status, 400);
  assert.match(await missing.text(), /missing required form field \\"model\\"/);
  const json = await fetch(`${client.baseURL}/audio/translations`, { method: 'POST', headers: { 'content-type': 'application/json', [BACKEND_SELECTOR_HEADER]: 'openai' }, body: '{"model":"whisper-1"}' });
  assert.equal(json.status, 400);
  assert.match(await json.text(), /takes multipart\/form-data/);
});
