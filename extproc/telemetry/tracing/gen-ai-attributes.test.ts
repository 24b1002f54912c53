import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorType, genAIErrorAttributes, genAIRequestAttributes, genAIResponseAttributes, genAISpanName, genAIStreamAttributes } from './gen-ai-attributes.js';
import { spanAttributesToRecord } from './span-attributes.js';

test('span name is "{operation} {model}"', () => {
  assert.equal(genAISpanName('chat', 'gpt-4o'), 'chat gpt-4o');
  assert.equal(genAISpanName('embeddings', ''), 'embeddings');
});

test('request parameters present in the body become gen_ai.request.*; absent ones are left out', () => {
  const attrs = spanAttributesToRecord(
    genAIRequestAttributes('chat', { model: 'gpt-4o', max_completion_tokens: 100, temperature: 0.2, top_p: 0.9, stop: 'END', seed: 7, n: 2, frequency_penalty: 0.5, messages: [] }),
  );
  assert.deepEqual(attrs, {
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.request.max_tokens': 100,
    'gen_ai.request.temperature': 0.2,
    'gen_ai.request.top_p': 0.9,
    'gen_ai.request.frequency_penalty': 0.5,
    'gen_ai.request.seed': 7,
    'gen_ai.request.stop_sequences': ['END'],
    'gen_ai.request.choice.count': 2,
  });
  assert.deepEqual(spanAttributesToRecord(genAIRequestAttributes('embeddings', { model: 'e', input: 'x', encoding_format: 'base64' })), {
    'gen_ai.operation.name': 'embeddings',
    'gen_ai.request.model': 'e',
    'gen_ai.request.encoding_formats': ['base64'],
  });
});

test('response identity, finish reasons, usage breakdown and embedding dimensions', () => {
  const chat = spanAttributesToRecord(
    genAIResponseAttributes({
      id: 'chatcmpl-1',
      model: 'gpt-4o-2024',
      choices: [{ finish_reason: 'stop' }, { finish_reason: 'length' }],
      usage: { prompt_tokens: 10, completion_tokens: 4, prompt_tokens_details: { cached_tokens: 6 }, completion_tokens_details: { reasoning_tokens: 2 } },
    }).attributes,
  );
  assert.deepEqual(chat, {
    'gen_ai.response.id': 'chatcmpl-1',
    'gen_ai.response.model': 'gpt-4o-2024',
    'gen_ai.usage.input_tokens': 10,
    'gen_ai.usage.output_tokens': 4,
    'gen_ai.usage.cache_read.input_tokens': 6,
    'gen_ai.usage.reasoning.output_tokens': 2,
    'gen_ai.response.finish_reasons': ['stop', 'length'],
  });
  const embeddings = spanAttributesToRecord(genAIResponseAttributes({ model: 'e', data: [{ embedding: [0.1, 0.2, 0.3] }], usage: { prompt_tokens: 3, total_tokens: 3 } }).attributes);
  assert.deepEqual(embeddings, { 'gen_ai.response.model': 'e', 'gen_ai.usage.input_tokens': 3, 'gen_ai.embeddings.dimension.count': 3 });
});

test('stream: last id/model/usage, all finish reasons', () => {
  const attrs = spanAttributesToRecord(
    genAIStreamAttributes([
      { id: 'a', model: 'm', choices: [{ delta: { content: 'x' } }] },
      { id: 'a', model: 'm', choices: [{ delta: {}, finish_reason: 'stop' }] },
      { id: 'a', model: 'm', choices: [], usage: { prompt_tokens: 2, completion_tokens: 1 } },
    ]).attributes,
  );
  assert.deepEqual(attrs, { 'gen_ai.response.id': 'a', 'gen_ai.response.model': 'm', 'gen_ai.usage.input_tokens': 2, 'gen_ai.usage.output_tokens': 1, 'gen_ai.response.finish_reasons': ['stop'] });
});

test('errors: error.type groups statuses as upstream; the body (content) is not recorded', () => {
  assert.deepEqual([400, 401, 403, 404, 429, 500, 502, 503, 504, 418, 200].map(errorType), ['400', '401', '403', '404', '429', '500', '500', '500', '504', '418', '_OTHER']);
  const outcome = genAIErrorAttributes(429);
  assert.deepEqual(outcome.status, { code: 'ERROR', message: 'Error code: 429' });
  assert.deepEqual(spanAttributesToRecord(outcome.attributes), { 'error.type': '429' });
});
