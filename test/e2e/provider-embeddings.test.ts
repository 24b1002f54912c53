/**
 * Embeddings and rerank through the real gateway: the `openai` SDK's embeddings to Amazon Titan
 * on Bedrock (SigV4) and to Vertex AI `:predict` (ADC token), and Cohere's `/cohere/v2/rerank`
 * passed through to a Cohere backend, with the usage the gateway read in the access log.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { isRecord } from '../../common/json-guards.js';
import { accessLogEntry } from '../support/access-log-entry.js';
import { freePort, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { awsCredentialsFile, sendAwsError, sigV4Problem, titanEmbeddingResponse, type AwsTestCredentials } from '../support/fake-bedrock.js';
import { startFakeGceMetadata, type FakeGceMetadata } from '../support/fake-gce-metadata.js';
import { predictEmbeddingsResponse } from '../support/fake-gemini.js';
import { BACKEND_SELECTOR_HEADER, providerGatewayYaml } from '../support/provider-gateway-yaml.js';
import { sendJson, startScriptedProvider, type ScriptedProvider } from '../support/scripted-provider.js';

const AWS: AwsTestCredentials = { accessKeyId: 'AKIAAIGWEMBEDDINGS', secretAccessKey: 'embeddings-secret', region: 'eu-central-1' };
const GCP_TOKEN = 'ya29.embeddings-token';
const COHERE_KEY = 'cohere-configured-key';
const TITAN = 'amazon.titan-embed-text-v2:0';

let bedrock: ScriptedProvider;
let vertex: ScriptedProvider;
let cohere: ScriptedProvider;
let gce: FakeGceMetadata;
let aigw: AigwProcess;
let gatewayPort: number;

before(async () => {
  [bedrock, vertex, cohere] = await Promise.all([startScriptedProvider('bedrock'), startScriptedProvider('vertex'), startScriptedProvider('cohere')]);
  gce = await startFakeGceMetadata(GCP_TOKEN);
  gatewayPort = await freePort();
  const configYaml = providerGatewayYaml(gatewayPort, [
    {
      name: 'bedrock',
      schema: { name: 'AWSBedrock' },
      port: bedrock.port,
      fqdn: true,
      security: { type: 'AWSCredentials', awsCredentials: { region: AWS.region, credentialsFile: { secretRef: { name: 'aws-credentials' } } } },
      secrets: { 'aws-credentials': { credentials: awsCredentialsFile(AWS) } },
    },
    { name: 'vertex', schema: { name: 'GCPVertexAI' }, port: vertex.port, security: { type: 'GCPCredentials', gcpCredentials: { projectName: 'embed-project', region: 'europe-west4' } } },
    {
      name: 'cohere',
      schema: { name: 'Cohere', version: 'v2' },
      port: cohere.port,
      security: { type: 'APIKey', apiKey: { secretRef: { name: 'cohere-key' } } },
      secrets: { 'cohere-key': { apiKey: COHERE_KEY } },
    },
  ]);
  aigw = await startAigw({ configYaml, env: { GCE_METADATA_HOST: gce.host, GOOGLE_APPLICATION_CREDENTIALS: undefined, HOME: '/nonexistent-aigw-test-home' } });
});

after(async () => {
  await aigw?.stop();
  await Promise.all([bedrock, vertex, cohere].filter(Boolean).map((provider) => provider.close()));
  await gce?.close();
});

function client(backend: string): OpenAI {
  return new OpenAI({ baseURL: `http://localhost:${gatewayPort}/v1`, apiKey: 'client-key', maxRetries: 0, defaultHeaders: { [BACKEND_SELECTOR_HEADER]: backend } });
}

// Values float32 holds exactly, so the SDK's default base64 transport loses nothing.
const VECTOR = [0.5, -0.25, 0.125, 1];

test('Titan on Bedrock: the SDK\'s (base64) embeddings request is signed and translated; the vector and usage come back', async () => {
  bedrock.reset();
  bedrock.reply((_request, response) => sendJson(response, 200, titanEmbeddingResponse(VECTOR, 3), { 'x-amzn-requestid': 'titan-1' }));
  const since = aigw.stdout.length;
  // No encoding_format: the SDK asks for base64 and decodes it itself.
  const result = await client('bedrock').embeddings.create({ model: TITAN, input: 'hello embeddings', dimensions: 4 });
  assert.equal(result.object, 'list');
  assert.equal(result.model, TITAN);
  assert.equal(result.data.length, 1);
  assert.equal(result.data[0]?.index, 0);
  assert.deepEqual(result.data[0]?.embedding, VECTOR);
  assert.deepEqual(result.usage, { prompt_tokens: 3, total_tokens: 3 });

  const seen = bedrock.only();
  assert.equal(seen.url, '/model/amazon.titan-embed-text-v2:0/invoke');
  assert.equal(sigV4Problem(seen, AWS), undefined);
  assert.deepEqual(seen.json(), { inputText: 'hello embeddings', dimensions: 4, normalize: true });

  const entry = await accessLogEntry(aigw, { upstreamPath: '/model/amazon.titan-embed-text-v2:0/invoke', model: TITAN }, since);
  assert.equal(entry.response_code, 200);
  assert.equal(entry['gen_ai.usage.input_tokens'], 3);
  assert.equal(entry['gen_ai.usage.total_tokens'], 3);
  assert.match(String(entry.backend), /^default\/bedrock\/route\/aigw-run\/rule\/0\/ref\/0$/);
});

test('Titan on Bedrock: float encoding is returned as a plain array', async () => {
  bedrock.reset();
  bedrock.reply((_request, response) => sendJson(response, 200, titanEmbeddingResponse([0.1, 0.2, 0.3], 2)));
  const response = await fetch(`http://localhost:${gatewayPort}/v1/embeddings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [BACKEND_SELECTOR_HEADER]: 'bedrock' },
    body: JSON.stringify({ model: TITAN, input: ['only one'], encoding_format: 'float' }),
  });
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2, 0.3] }], model: TITAN, usage: { prompt_tokens: 2, total_tokens: 2 } });
  assert.deepEqual(bedrock.only().json(), { inputText: 'only one' });
});

test('Titan on Bedrock: a batch of two inputs cannot be expressed: 422, nothing sent upstream', async () => {
  bedrock.reset();
  bedrock.reply((_request, response) => sendJson(response, 200, titanEmbeddingResponse(VECTOR, 1)));
  await assert.rejects(client('bedrock').embeddings.create({ model: TITAN, input: ['one', 'two'] }), (error: unknown) => {
    assert.ok(error instanceof OpenAI.UnprocessableEntityError, `UnprocessableEntityError, got ${String(error)}`);
    assert.match(error.message, /exactly one string/);
    return true;
  });
  assert.equal(bedrock.requests.length, 0);
});

test('Titan on Bedrock: an AccessDeniedException reaches the SDK as PermissionDeniedError', async () => {
  bedrock.reset();
  bedrock.reply((_request, response) => sendAwsError(response, 403, 'AccessDeniedException', 'You don\'t have access to the model with the specified model ID.'));
  await assert.rejects(client('bedrock').embeddings.create({ model: TITAN, input: 'x' }), (error: unknown) => {
    assert.ok(error instanceof OpenAI.PermissionDeniedError, `PermissionDeniedError, got ${String(error)}`);
    assert.equal(error.type, 'AccessDeniedException');
    assert.match(error.message, /You don't have access to the model/);
    return true;
  });
});

test('Vertex AI: embeddings of two inputs go to :predict as instances; vectors in order, token counts summed', async () => {
  vertex.reset();
  vertex.reply((_request, response) =>
    sendJson(
      response,
      200,
      predictEmbeddingsResponse([
        { values: [0.25, 0.5], tokens: 2 },
        { values: [-1, 0.75], tokens: 4 },
      ]),
    ),
  );
  const since = aigw.stdout.length;
  const result = await client('vertex').embeddings.create({ model: 'text-embedding-005', input: ['first text', 'second text'], dimensions: 2 });
  assert.deepEqual(
    result.data.map((item) => [item.index, item.embedding]),
    [
      [0, [0.25, 0.5]],
      [1, [-1, 0.75]],
    ],
  );
  assert.equal(result.model, 'text-embedding-005');
  assert.deepEqual(result.usage, { prompt_tokens: 6, total_tokens: 6 });

  const seen = vertex.only();
  const path = '/v1/projects/embed-project/locations/europe-west4/publishers/google/models/text-embedding-005:predict';
  assert.equal(seen.url, path);
  assert.equal(seen.header('authorization'), `Bearer ${GCP_TOKEN}`);
  assert.deepEqual(seen.json(), { instances: [{ content: 'first text' }, { content: 'second text' }], parameters: { outputDimensionality: 2 } });

  const entry = await accessLogEntry(aigw, { upstreamPath: path, model: 'text-embedding-005' }, since);
  assert.equal(entry['gen_ai.usage.input_tokens'], 6);
  assert.match(String(entry.backend), /^default\/vertex\/route\//);
});

test('Vertex AI: {content, task_type, title} inputs become instances with their task type and title', async () => {
  vertex.reset();
  vertex.reply((_request, response) =>
    sendJson(
      response,
      200,
      predictEmbeddingsResponse([
        { values: [1, 0], tokens: 3 },
        { values: [0, 1], tokens: 2 },
        { values: [0.5, 0.5], tokens: 1 },
      ]),
    ),
  );
  // The SDK's types know only OpenAI's inputs: upstream's extension goes as raw JSON.
  const response = await fetch(`http://localhost:${gatewayPort}/v1/embeddings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [BACKEND_SELECTOR_HEADER]: 'vertex' },
    body: JSON.stringify({
      model: 'text-embedding-005',
      input: [
        { content: 'Everest is 8,849 m tall.', task_type: 'RETRIEVAL_DOCUMENT', title: 'Everest' },
        { content: ['How tall is Everest?', 'K2'], task_type: 'RETRIEVAL_QUERY' },
      ],
      encoding_format: 'float',
    }),
  });
  assert.equal(response.status, 200);
  const result: unknown = await response.json();
  assert.ok(isRecord(result) && Array.isArray(result.data));
  assert.equal(result.data.length, 3);
  assert.deepEqual(result.usage, { prompt_tokens: 6, total_tokens: 6 });
  assert.deepEqual(vertex.only().json(), {
    instances: [
      { content: 'Everest is 8,849 m tall.', task_type: 'RETRIEVAL_DOCUMENT', title: 'Everest' },
      { content: 'How tall is Everest?', task_type: 'RETRIEVAL_QUERY' },
      { content: 'K2', task_type: 'RETRIEVAL_QUERY' },
    ],
  });
});

test('Cohere rerank: passed through to /v2/rerank with the configured key; usage in the access log', async () => {
  cohere.reset();
  const answer = {
    id: 'rerank-1',
    results: [
      { index: 1, relevance_score: 0.93 },
      { index: 0, relevance_score: 0.12 },
    ],
    meta: { api_version: { version: '2' }, billed_units: { search_units: 1 }, tokens: { input_tokens: 37, output_tokens: 0 } },
  };
  cohere.reply((_request, response) => sendJson(response, 200, answer));
  const since = aigw.stdout.length;
  const body = JSON.stringify({ model: 'rerank-v3.5', query: 'What is the capital of France?', documents: ['Berlin is in Germany.', 'Paris is the capital of France.'], top_n: 2 });
  const response = await fetch(`http://localhost:${gatewayPort}/cohere/v2/rerank`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer client-key', [BACKEND_SELECTOR_HEADER]: 'cohere' },
    body,
  });
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), answer);

  const seen = cohere.only();
  assert.equal(seen.url, '/v2/rerank');
  assert.equal(seen.header('authorization'), `Bearer ${COHERE_KEY}`);
  assert.equal(seen.body.toString('utf8'), body, 'the body is passed through byte for byte');

  const entry = await accessLogEntry(aigw, { upstreamPath: '/v2/rerank', model: 'rerank-v3.5' }, since);
  assert.equal(entry.response_code, 200);
  assert.equal(entry['gen_ai.request.model'], 'rerank-v3.5');
  assert.equal(entry['gen_ai.usage.input_tokens'], 37);
  assert.match(String(entry.backend), /^default\/cohere\/route\//);
});

test('Cohere rerank: a provider 400 comes back with its status and message', async () => {
  cohere.reset();
  cohere.reply((_request, response) => sendJson(response, 400, { message: 'invalid request: documents must not be empty' }));
  const response = await fetch(`http://localhost:${gatewayPort}/cohere/v2/rerank`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [BACKEND_SELECTOR_HEADER]: 'cohere' },
    body: JSON.stringify({ model: 'rerank-v3.5', query: 'q', documents: [] }),
  });
  assert.equal(response.status, 400);
  const error: unknown = await response.json();
  assert.ok(isRecord(error));
  assert.equal(error.message, 'invalid request: documents must not be empty');
});
