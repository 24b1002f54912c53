/**
 * The token counting endpoints upstream aigw serves, through the real gateway: OpenAI's
 * `/v1/responses/input_tokens` (OpenAI and Azure OpenAI, with the official SDK) and vLLM's
 * `/tokenize`, passed through to an OpenAI-compatible server or translated to the token counters
 * of Vertex AI (Gemini and Claude) and Bedrock (Converse and Claude), signed and authorised as
 * for chat. Backends that cannot count get the gateway's 422.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { isRecord } from '../../common/json-guards.js';
import { accessLogEntry } from '../support/access-log-entry.js';
import { freePort, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { awsCredentialsFile, sendAwsError, sigV4Problem, type AwsTestCredentials } from '../support/fake-bedrock.js';
import { startFakeGceMetadata, type FakeGceMetadata } from '../support/fake-gce-metadata.js';
import { BACKEND_SELECTOR_HEADER, providerGatewayYaml } from '../support/provider-gateway-yaml.js';
import { sendJson, startScriptedProvider, type ScriptedProvider } from '../support/scripted-provider.js';

const AWS: AwsTestCredentials = { accessKeyId: 'AKIAAIGWTOKENIZE', secretAccessKey: 'tokenize-secret', region: 'us-west-2' };
const GCP_TOKEN = 'ya29.token-counting';
const GCP_PREFIX = '/v1/projects/count-project/locations/us-east5/publishers';

let provider: ScriptedProvider;
let gce: FakeGceMetadata;
let aigw: AigwProcess;
let gatewayPort: number;

before(async () => {
  provider = await startScriptedProvider('counter');
  gce = await startFakeGceMetadata(GCP_TOKEN);
  gatewayPort = await freePort();
  const aws = {
    fqdn: true,
    security: { type: 'AWSCredentials', awsCredentials: { region: AWS.region, credentialsFile: { secretRef: { name: 'aws-credentials' } } } },
  };
  const gcp = { security: { type: 'GCPCredentials', gcpCredentials: { projectName: 'count-project', region: 'us-east5' } } };
  const configYaml = providerGatewayYaml(gatewayPort, [
    { name: 'openai', schema: { name: 'OpenAI' }, port: provider.port, security: { type: 'APIKey', apiKey: { secretRef: { name: 'key' } } }, secrets: { key: { apiKey: 'sk-count' } } },
    { name: 'vllm', schema: { name: 'OpenAI', prefix: 'v1' }, port: provider.port, modelNameOverride: 'meta-llama/Llama-3.1-8B-Instruct' },
    { name: 'azure', schema: { name: 'AzureOpenAI', version: '2025-04-01-preview' }, port: provider.port, security: { type: 'AzureAPIKey', azureAPIKey: { secretRef: { name: 'azure-key' } } }, secrets: { 'azure-key': { apiKey: 'az-count' } } },
    { name: 'bedrock', schema: { name: 'AWSBedrock' }, port: provider.port, ...aws, secrets: { 'aws-credentials': { credentials: awsCredentialsFile(AWS) } } },
    { name: 'aws-anthropic', schema: { name: 'AWSAnthropic' }, port: provider.port, ...aws },
    { name: 'vertex', schema: { name: 'GCPVertexAI' }, port: provider.port, ...gcp },
    { name: 'gcp-anthropic', schema: { name: 'GCPAnthropic', version: 'vertex-2023-10-16' }, port: provider.port, ...gcp },
    { name: 'cohere', schema: { name: 'Cohere', version: 'v2' }, port: provider.port },
  ]);
  aigw = await startAigw({ configYaml, env: { GCE_METADATA_HOST: gce.host, GOOGLE_APPLICATION_CREDENTIALS: undefined, HOME: '/nonexistent-aigw-test-home' } });
});

after(async () => {
  await aigw?.stop();
  await provider?.close();
  await gce?.close();
});

function openai(backend: string): OpenAI {
  return new OpenAI({ baseURL: `http://localhost:${gatewayPort}/v1`, apiKey: 'client-key', maxRetries: 0, defaultHeaders: { [BACKEND_SELECTOR_HEADER]: backend } });
}

/** POSTs JSON to the gateway; returns the status and the parsed body. */
async function post(path: string, backend: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`http://localhost:${gatewayPort}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [BACKEND_SELECTOR_HEADER]: backend },
    body: JSON.stringify(body),
  });
  const json: unknown = await response.json();
  return { status: response.status, json };
}

const CHAT = {
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'How many tokens is this?' },
  ],
};

test('responses input tokens to OpenAI: the SDK call passes through; the count is logged as input tokens', async () => {
  provider.reset();
  provider.reply((_request, response) => sendJson(response, 200, { object: 'response.input_tokens', input_tokens: 15 }));
  const since = aigw.stdout.length;
  const count = await openai('openai').responses.inputTokens.count({ model: 'gpt-4.1', input: 'Hello, how are you?', instructions: 'You are a helpful assistant.' });
  assert.deepEqual(count, { object: 'response.input_tokens', input_tokens: 15 });
  const seen = provider.only();
  assert.equal(seen.path, '/v1/responses/input_tokens');
  assert.equal(seen.header('authorization'), 'Bearer sk-count');
  assert.deepEqual(seen.json(), { model: 'gpt-4.1', input: 'Hello, how are you?', instructions: 'You are a helpful assistant.' });
  const entry = await accessLogEntry(aigw, { upstreamPath: '/v1/responses/input_tokens', model: 'gpt-4.1' }, since);
  assert.equal(entry.response_code, 200);
  assert.equal(entry['gen_ai.usage.input_tokens'], 15);
});

test('responses input tokens to Azure OpenAI: /openai/responses/input_tokens with api-version and api-key', async () => {
  provider.reset();
  provider.reply((_request, response) => sendJson(response, 200, { object: 'response.input_tokens', input_tokens: 4 }));
  const count = await openai('azure').responses.inputTokens.count({ model: 'gpt-4.1', input: 'x' });
  assert.equal(count.input_tokens, 4);
  const seen = provider.only();
  assert.equal(seen.url, '/openai/responses/input_tokens?api-version=2025-04-01-preview');
  assert.equal(seen.header('api-key'), 'az-count');
});

test('tokenize to an OpenAI-compatible server (vLLM): passed through at /tokenize with the model override', async () => {
  provider.reset();
  const answer = { count: 5, max_model_len: 131072, tokens: [128000, 12805, 5304, 264, 892] };
  provider.reply((_request, response) => sendJson(response, 200, answer));
  const result = await post('/tokenize', 'vllm', { model: 'llama', prompt: 'Once upon a time', add_special_tokens: true });
  assert.deepEqual(result, { status: 200, json: answer });
  const seen = provider.only();
  assert.equal(seen.path, '/tokenize', 'vLLM serves /tokenize at its root, not under the /v1 prefix');
  assert.deepEqual(seen.json(), { model: 'meta-llama/Llama-3.1-8B-Instruct', prompt: 'Once upon a time', add_special_tokens: true });
});

test('tokenize to Vertex AI Gemini: :countTokens with the ADC token; {count} comes back', async () => {
  provider.reset();
  provider.reply((_request, response) => sendJson(response, 200, { totalTokens: 11, totalBillableCharacters: 36 }));
  const result = await post('/tokenize', 'vertex', { model: 'gemini-2.5-flash', ...CHAT });
  assert.deepEqual(result, { status: 200, json: { count: 11 } });
  const seen = provider.only();
  assert.equal(seen.path, `${GCP_PREFIX}/google/models/gemini-2.5-flash:countTokens`);
  assert.equal(seen.header('authorization'), `Bearer ${GCP_TOKEN}`);
  assert.deepEqual(seen.json(), { contents: [{ role: 'user', parts: [{ text: 'How many tokens is this?' }] }], systemInstruction: { parts: [{ text: 'Be brief.' }] } });
});

test('tokenize to Claude on Vertex AI: count-tokens rawPredict with the model in the body', async () => {
  provider.reset();
  provider.reply((_request, response) => sendJson(response, 200, { input_tokens: 14 }));
  const result = await post('/tokenize', 'gcp-anthropic', { model: 'claude-sonnet-4-5@default', prompt: 'Count me.' });
  assert.deepEqual(result, { status: 200, json: { count: 14 } });
  const seen = provider.only();
  assert.equal(seen.path, `${GCP_PREFIX}/anthropic/models/count-tokens:rawPredict`);
  assert.deepEqual(seen.json(), { anthropic_version: 'vertex-2023-10-16', model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: [{ type: 'text', text: 'Count me.' }] }] });
});

test('tokenize to Bedrock: CountTokens with Converse input, signed; a Bedrock error keeps its status and type', async () => {
  provider.reset();
  provider.reply((_request, response) => sendJson(response, 200, { inputTokens: 19 }));
  const model = 'us.anthropic.claude-sonnet-4-5-20250929-v1:0';
  const result = await post('/tokenize', 'bedrock', { model, ...CHAT });
  assert.deepEqual(result, { status: 200, json: { count: 19 } });
  const seen = provider.only();
  assert.equal(seen.path, '/model/anthropic.claude-sonnet-4-5-20250929-v1:0/count-tokens', 'the cross-region prefix is left out');
  assert.equal(sigV4Problem(seen, AWS), undefined);
  assert.deepEqual(seen.json(), { input: { converse: { messages: [{ role: 'user', content: [{ text: 'How many tokens is this?' }] }], system: [{ text: 'Be brief.' }] } } });

  provider.reset();
  provider.reply((_request, response) => sendAwsError(response, 400, 'ValidationException', "The provided model doesn't support counting tokens."));
  const refused = await post('/tokenize', 'bedrock', { model: 'amazon.nova-micro-v1:0', prompt: 'x' });
  assert.equal(refused.status, 400);
  assert.ok(isRecord(refused.json) && isRecord(refused.json.error));
  assert.equal(refused.json.error.type, 'ValidationException');
  assert.match(String(refused.json.error.message), /doesn't support counting tokens/);
});

test('tokenize to Claude on Bedrock: CountTokens with the InvokeModel body, signed', async () => {
  provider.reset();
  provider.reply((_request, response) => sendJson(response, 200, { inputTokens: 7 }));
  const result = await post('/tokenize', 'aws-anthropic', { model: 'anthropic.claude-haiku-4-5-20251001-v1:0', prompt: 'Count me.' });
  assert.deepEqual(result, { status: 200, json: { count: 7 } });
  const seen = provider.only();
  assert.equal(seen.path, '/model/anthropic.claude-haiku-4-5-20251001-v1:0/count-tokens');
  assert.equal(sigV4Problem(seen, AWS), undefined);
  const body = seen.json();
  assert.ok(isRecord(body) && isRecord(body.input) && isRecord(body.input.invokeModel) && typeof body.input.invokeModel.body === 'string');
  const invoke: unknown = JSON.parse(Buffer.from(body.input.invokeModel.body, 'base64').toString('utf8'));
  assert.ok(isRecord(invoke));
  assert.equal(invoke.anthropic_version, 'bedrock-2023-05-31');
});

test('a request vLLM would refuse is a 400; backends that cannot count answer 422, nothing sent', async () => {
  provider.reset();
  const both = await post('/tokenize', 'vertex', { model: 'gemini-2.5-flash', prompt: 'x', ...CHAT });
  assert.equal(both.status, 400);
  assert.match(JSON.stringify(both.json), /either \\"prompt\\" or \\"messages\\"/);
  for (const [path, backend, schema] of [
    ['/tokenize', 'azure', 'AzureOpenAI'],
    ['/tokenize', 'cohere', 'Cohere'],
    ['/v1/responses/input_tokens', 'bedrock', 'AWSBedrock'],
  ] as const) {
    const result = await post(path, backend, { model: 'm', prompt: 'x', input: 'x' });
    assert.deepEqual(result, {
      status: 422,
      json: { type: 'error', error: { type: 'UnprocessableEntity', code: '422', message: `invalid request body: ${path} cannot be served by a backend with schema ${schema}` } },
    });
  }
  assert.equal(provider.requests.length, 0);
});
