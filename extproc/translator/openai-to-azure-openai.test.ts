import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findEndpoint } from '../endpoints.js';
import type { BackendConfig } from '../filter-config.js';
import { openAIToAzureOpenAI } from './openai-to-azure-openai.js';

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

test('chat: the deployment and api-version go in the path; the body is untouched, even with an override', () => {
  assert.deepEqual(translator('/v1/chat/completions').requestHeaders(), { path: '/openai/deployments/gpt-4o/chat/completions?api-version=2025-01-01-preview', needsBody: false });
  assert.deepEqual(translator('/v1/chat/completions', 'my deployment').requestHeaders(), {
    path: '/openai/deployments/my%20deployment/chat/completions?api-version=2025-01-01-preview',
    needsBody: false,
  });
});

test('embeddings: the override is also written into the body', () => {
  const embeddings = translator('/v1/embeddings', 'embed-deployment');
  assert.deepEqual(embeddings.requestHeaders(), { path: '/openai/deployments/embed-deployment/embeddings?api-version=2025-01-01-preview', needsBody: true });
  assert.equal(embeddings.requestBody(Buffer.from('{"model":"gpt-4o","input":"x"}')).toString(), '{"model":"embed-deployment","input":"x"}');
});

test('responses are read as OpenAI (usage, model)', () => {
  const chat = translator('/v1/chat/completions');
  const result = chat.responseBody(Buffer.from('{"model":"gpt-4o-2024-08-06","usage":{"prompt_tokens":4,"completion_tokens":1,"total_tokens":5}}'), true, false);
  assert.deepEqual(result, { usage: { inputTokens: 4, outputTokens: 1, totalTokens: 5 }, responseModel: 'gpt-4o-2024-08-06' });
});
