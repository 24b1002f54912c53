import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findEndpoint } from '../request/endpoints.js';
import type { BackendConfig } from '../../contract/filter-config.js';
import { openAIToAzureOpenAI } from './openai-to-azure-openai.js';
import type { ClientRequest } from './translator.js';

const backend: BackendConfig = {
  name: 'default/azure/route/r/rule/0/ref/0',
  route: 'default/r',
  aiServiceBackend: 'default/azure',
  schema: { name: 'AzureOpenAI', version: '2025-01-01-preview' },
};

function translator(path: string, override?: string) {
  const endpoint = findEndpoint(path);
  assert.ok(endpoint);
  return openAIToAzureOpenAI({
    endpoint,
    backend: { ...backend, ...(override ? { modelNameOverride: override } : {}) },
    originalModel: 'gpt-4o',
    requestModel: override ?? 'gpt-4o',
  });
}

function client(body: string): ClientRequest {
  const json: unknown = JSON.parse(body);
  assert.ok(typeof json === 'object' && json !== null && !Array.isArray(json));
  return { raw: Buffer.from(body), json: { ...json }, stream: false, headers: {} };
}

test('chat: the deployment and api-version go in the path; the body is untouched, even with an override', () => {
  const plain = translator('/v1/chat/completions');
  assert.equal(plain.needsBody, false);
  assert.deepEqual(plain.request(undefined), { path: '/openai/deployments/gpt-4o/chat/completions?api-version=2025-01-01-preview' });
  const overridden = translator('/v1/chat/completions', 'my deployment');
  assert.equal(overridden.needsBody, false);
  assert.deepEqual(overridden.request(client('{"model":"gpt-4o"}')), { path: '/openai/deployments/my%20deployment/chat/completions?api-version=2025-01-01-preview' });
});

test('embeddings: the override is also written into the body', () => {
  const embeddings = translator('/v1/embeddings', 'embed-deployment');
  assert.equal(embeddings.needsBody, true);
  const request = embeddings.request(client('{"model":"gpt-4o","input":"x"}'));
  assert.equal(request.path, '/openai/deployments/embed-deployment/embeddings?api-version=2025-01-01-preview');
  assert.equal(request.body?.toString(), '{"model":"embed-deployment","input":"x"}');
});

test('responses: not per deployment, the model stays in the body', () => {
  assert.deepEqual(translator('/v1/responses').request(undefined), { path: '/openai/responses?api-version=2025-01-01-preview' });
});

test('responses input tokens: /openai/responses/input_tokens with api-version; the count is the input tokens', () => {
  const counter = translator('/v1/responses/input_tokens');
  assert.deepEqual(counter.request(undefined), { path: '/openai/responses/input_tokens?api-version=2025-01-01-preview' });
  counter.responseHeaders(200, { 'content-type': 'application/json' });
  assert.deepEqual(counter.responseBody(Buffer.from('{"object":"response.input_tokens","input_tokens":8}'), true), { usage: { inputTokens: 8 } });
});

test('responses are read as OpenAI (usage, model)', () => {
  const chat = translator('/v1/chat/completions');
  assert.deepEqual(chat.responseHeaders(200, { 'content-type': 'application/json' }), { streaming: false });
  const result = chat.responseBody(Buffer.from('{"model":"gpt-4o-2024-08-06","usage":{"prompt_tokens":4,"completion_tokens":1,"total_tokens":5}}'), true);
  assert.deepEqual(result, { usage: { inputTokens: 4, outputTokens: 1, totalTokens: 5 }, responseModel: 'gpt-4o-2024-08-06' });
});
