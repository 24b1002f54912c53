import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findEndpoint } from '../request/endpoints.js';
import { GatewayError } from '../errors/gateway-error.js';
import { isRecord, type JsonRecord } from '../../common/json-guards.js';
import { openAIEmbeddingsToGCPVertexAI } from './openai-embeddings-to-gcp-vertexai.js';
import type { Translator } from './translator.js';

function translator(model: string): Translator {
  const endpoint = findEndpoint('/v1/embeddings');
  assert.ok(endpoint);
  return openAIEmbeddingsToGCPVertexAI({
    endpoint,
    backend: { name: 'default/gcp/route/r/rule/0/ref/0', route: 'default/r', aiServiceBackend: 'default/gcp', schema: { name: 'GCPVertexAI' } },
    originalModel: 'client-model',
    requestModel: model,
  });
}

function request(model: string, body: JsonRecord): { translator: Translator; path: string; body: string } {
  const embeddings = translator(model);
  const result = embeddings.request({ raw: Buffer.from(JSON.stringify(body)), json: body, stream: false, headers: {} });
  return { translator: embeddings, path: result.path, body: result.body?.toString() ?? '' };
}

function parsed(body: Buffer | undefined): JsonRecord {
  const value: unknown = JSON.parse(body?.toString() ?? '');
  assert.ok(isRecord(value));
  return value;
}

function status(model: string, body: JsonRecord): number | undefined {
  try {
    request(model, body);
    return undefined;
  } catch (error) {
    return GatewayError.isInstance(error) ? error.status : -1;
  }
}

test('text-embedding models: a batch through :predict, dimensions as outputDimensionality', () => {
  const result = request('text-embedding-005', { model: 'x', input: ['a', 'b'], dimensions: 256 });
  assert.equal(result.path, 'publishers/google/models/text-embedding-005:predict');
  assert.equal(result.body, '{"instances":[{"content":"a"},{"content":"b"}],"parameters":{"outputDimensionality":256}}');
  assert.equal(request('text-multilingual-embedding-002', { model: 'x', input: 'solo' }).body, '{"instances":[{"content":"solo"}]}');
});

test(':predict response: one embedding per prediction, token counts summed', () => {
  const { translator: embeddings } = request('text-embedding-005', { model: 'x', input: ['a', 'b'] });
  assert.deepEqual(embeddings.responseHeaders(200, {}), { streaming: false });
  const result = embeddings.responseBody(
    Buffer.from(
      JSON.stringify({
        predictions: [
          { embeddings: { values: [0.1, -0.2], statistics: { token_count: 3, truncated: false } } },
          { embeddings: { values: [0.3, 0.4], statistics: { token_count: 4, truncated: false } } },
        ],
        metadata: { billableCharacterCount: 2 },
      }),
    ),
    true,
  );
  assert.deepEqual(parsed(result.body), {
    object: 'list',
    data: [
      { object: 'embedding', index: 0, embedding: [0.1, -0.2] },
      { object: 'embedding', index: 1, embedding: [0.3, 0.4] },
    ],
    model: 'text-embedding-005',
    usage: { prompt_tokens: 7, total_tokens: 7 },
  });
  assert.deepEqual(result.usage, { inputTokens: 7, totalTokens: 7 });
});

test('without token statistics the usage stays unknown to the gateway (0 for the client)', () => {
  const { translator: embeddings } = request('text-embedding-005', { model: 'x', input: 'a' });
  const result = embeddings.responseBody(Buffer.from('{"predictions":[{"embeddings":{"values":[1]}}]}'), true);
  assert.deepEqual(result.usage, {});
  assert.deepEqual(parsed(result.body).usage, { prompt_tokens: 0, total_tokens: 0 });
});

test('base64 encoding is little-endian float32, as OpenAI sends it', () => {
  const { translator: embeddings } = request('text-embedding-005', { model: 'x', input: 'a', encoding_format: 'base64' });
  const result = embeddings.responseBody(Buffer.from('{"predictions":[{"embeddings":{"values":[1.5,-2]}}]}'), true);
  const data = parsed(result.body).data;
  const first: unknown = Array.isArray(data) ? data[0] : undefined;
  assert.ok(isRecord(first) && typeof first.embedding === 'string');
  const bytes = Buffer.from(first.embedding, 'base64');
  assert.deepEqual([bytes.readFloatLE(0), bytes.readFloatLE(4)], [1.5, -2]);
});

test('gemini-embedding models: one input through :embedContent; usage from usageMetadata', () => {
  const result = request('gemini-embedding-001', { model: 'x', input: ['only'], dimensions: 768 });
  assert.equal(result.path, 'publishers/google/models/gemini-embedding-001:embedContent');
  assert.equal(result.body, '{"content":{"parts":[{"text":"only"}]},"outputDimensionality":768}');
  const response = result.translator.responseBody(Buffer.from('{"embedding":{"values":[0.5]},"usageMetadata":{"promptTokenCount":2}}'), true);
  assert.deepEqual(parsed(response.body), {
    object: 'list',
    data: [{ object: 'embedding', index: 0, embedding: [0.5] }],
    model: 'gemini-embedding-001',
    usage: { prompt_tokens: 2, total_tokens: 2 },
  });
  assert.deepEqual(response.usage, { inputTokens: 2, totalTokens: 2 });
});

test('object inputs {content, task_type, title} become Vertex instances, one per text, in order', () => {
  const single = request('text-embedding-005', { model: 'x', input: { content: 'How tall is Everest?', task_type: 'RETRIEVAL_QUERY' } });
  assert.equal(single.body, '{"instances":[{"content":"How tall is Everest?","task_type":"RETRIEVAL_QUERY"}]}');

  const batch = request('text-embedding-005', {
    model: 'x',
    input: [
      { content: 'Everest is 8,849 m tall.', task_type: 'RETRIEVAL_DOCUMENT', title: 'Everest' },
      { content: ['K2', 'Lhotse'], task_type: 'CLUSTERING' },
      'plain text',
      { content: 'no options' },
    ],
    dimensions: 128,
  });
  assert.deepEqual(JSON.parse(batch.body), {
    instances: [
      { content: 'Everest is 8,849 m tall.', task_type: 'RETRIEVAL_DOCUMENT', title: 'Everest' },
      { content: 'K2', task_type: 'CLUSTERING' },
      { content: 'Lhotse', task_type: 'CLUSTERING' },
      { content: 'plain text' },
      { content: 'no options' },
    ],
    parameters: { outputDimensionality: 128 },
  });

  // Vertex takes a title only for RETRIEVAL_DOCUMENT; elsewhere it is left out (as upstream aigw does).
  const titled = request('text-embedding-005', { model: 'x', input: [{ content: 'q', task_type: 'RETRIEVAL_QUERY', title: 'ignored' }, { content: 'd', title: 'ignored' }] });
  assert.equal(titled.body, '{"instances":[{"content":"q","task_type":"RETRIEVAL_QUERY"},{"content":"d"}]}');
});

test('object input to a gemini-embedding model: taskType and title beside the one content', () => {
  const result = request('gemini-embedding-001', { model: 'x', input: [{ content: 'Everest', task_type: 'RETRIEVAL_DOCUMENT', title: 'Mountains' }] });
  assert.equal(result.path, 'publishers/google/models/gemini-embedding-001:embedContent');
  assert.equal(result.body, '{"content":{"parts":[{"text":"Everest"}]},"taskType":"RETRIEVAL_DOCUMENT","title":"Mountains"}');
  assert.equal(status('gemini-embedding-001', { model: 'x', input: { content: ['a', 'b'] } }), 422);
});

test('malformed object inputs are 400; fields Vertex has no place for are 422', () => {
  assert.equal(status('text-embedding-005', { model: 'x', input: { text: 'x' } }), 422);
  assert.equal(status('text-embedding-005', { model: 'x', input: { content: 'x', dimensions: 3 } }), 422);
  assert.equal(status('text-embedding-005', { model: 'x', input: {} }), 400);
  assert.equal(status('text-embedding-005', { model: 'x', input: { content: 42 } }), 400);
  assert.equal(status('text-embedding-005', { model: 'x', input: { content: [] } }), 400);
  assert.equal(status('text-embedding-005', { model: 'x', input: { content: ['a', 1] } }), 400);
  assert.equal(status('text-embedding-005', { model: 'x', input: [{ content: 'a', task_type: 7 }] }), 400);
  assert.equal(status('text-embedding-005', { model: 'x', input: [{ content: 'a', title: null }] }), 400);
  assert.equal(status('text-embedding-005', { model: 'x', input: ['a', null] }), 400);
});

test('requests Vertex cannot express are 422; malformed ones 400', () => {
  assert.equal(status('gemini-embedding-001', { model: 'x', input: ['a', 'b'] }), 422);
  assert.equal(status('text-embedding-005', { model: 'x', input: [1, 2, 3] }), 422);
  assert.equal(status('text-embedding-005', { model: 'x', input: [[1, 2]] }), 422);
  assert.equal(status('text-embedding-005', { model: 'x', messages: [] }), 422);
  assert.equal(status('text-embedding-005', { model: 'x', input: [] }), 400);
  assert.equal(status('text-embedding-005', { model: 'x', input: 'a', encoding_format: 'int8' }), 400);
  assert.equal(status('text-embedding-005', { model: 'x', input: 'a' }), undefined);
});

test('responses that are not embeddings fail; errors are rewritten like chat', () => {
  const { translator: embeddings } = request('text-embedding-005', { model: 'x', input: 'a' });
  assert.throws(() => embeddings.responseBody(Buffer.from('{"predictions":[{"embeddings":{"values":["x"]}}]}'), true), /not an array of numbers/);
  const error = embeddings.responseError(403, Buffer.from('{"error":{"code":403,"message":"denied","status":"PERMISSION_DENIED"}}'));
  assert.deepEqual(parsed(error.body), { type: 'error', error: { type: 'PERMISSION_DENIED', code: '403', message: 'denied' } });
});
