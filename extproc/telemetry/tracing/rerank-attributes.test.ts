/** Unit tests: the OpenInference spans of Cohere rerank (RERANKER) and Anthropic count_tokens. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { countTokensRequestAttributes, countTokensResponseAttributes } from './count-tokens-attributes.js';
import { DEFAULT_OPENINFERENCE_CONFIG } from './open-inference-config.js';
import { OPENINFERENCE_RECORDERS } from './open-inference-recorders.js';
import { rerankRequestAttributes } from './rerank-request-attributes.js';
import { rerankResponseAttributes } from './rerank-response-attributes.js';
import { spanAttributesToRecord } from './span-attributes.js';

const config = DEFAULT_OPENINFERENCE_CONFIG;

test('rerank: RERANKER span with model, top_k, query, input documents; scores and billed tokens', () => {
  assert.equal(OPENINFERENCE_RECORDERS.rerank.name('rerank-v3.5'), 'Rerank');
  const body = { model: 'rerank-v3.5', query: 'capital of France?', top_n: 2, documents: ['Paris is the capital.', '', 'Berlin is in Germany.'] };
  const raw = JSON.stringify(body);
  assert.deepEqual(spanAttributesToRecord(rerankRequestAttributes({ json: body, raw }, config)), {
    'llm.system': 'cohere',
    'openinference.span.kind': 'RERANKER',
    'reranker.model_name': 'rerank-v3.5',
    'reranker.top_k': 2,
    'reranker.query': 'capital of France?',
    'input.value': raw,
    'input.mime_type': 'application/json',
    'reranker.input_documents.0.document.content': 'Paris is the capital.',
    'reranker.input_documents.2.document.content': 'Berlin is in Germany.',
  });
  const hiddenInputs = spanAttributesToRecord(rerankRequestAttributes({ json: body, raw }, { ...config, hideInputs: true }));
  assert.equal(hiddenInputs['input.value'], '__REDACTED__');
  assert.equal(hiddenInputs['reranker.input_documents.0.document.content'], undefined);

  const response = { id: 'r1', results: [{ index: 0, relevance_score: 0.9 }, { index: 2, relevance_score: 0.1 }], meta: { billed_units: { search_units: 1 }, tokens: { input_tokens: 20, output_tokens: 0 } } };
  const text = JSON.stringify(response);
  const outcome = rerankResponseAttributes({ json: response, raw: text, byteLength: text.length }, config);
  assert.deepEqual(spanAttributesToRecord(outcome.attributes), {
    'output.mime_type': 'application/json',
    'reranker.output_documents.0.document.score': 0.9,
    'reranker.output_documents.1.document.score': 0.1,
    'llm.token_count.prompt': 20,
    'llm.token_count.total': 20,
    'output.value': text,
  });
  const hidden = spanAttributesToRecord(rerankResponseAttributes({ json: response, raw: text, byteLength: text.length }, { ...config, hideOutputs: true }).attributes);
  assert.deepEqual(hidden, { 'llm.token_count.prompt': 20, 'llm.token_count.total': 20, 'output.value': '__REDACTED__' });
});

test('count_tokens: CountTokens span with the request and the counted input tokens only', () => {
  assert.equal(OPENINFERENCE_RECORDERS['count-tokens'].name('claude'), 'CountTokens');
  const body = { model: 'claude-sonnet-4', messages: [{ role: 'user', content: 'hi' }] };
  const raw = JSON.stringify(body);
  assert.deepEqual(spanAttributesToRecord(countTokensRequestAttributes({ json: body, raw }, config)), {
    'openinference.span.kind': 'LLM',
    'llm.system': 'anthropic',
    'llm.model_name': 'claude-sonnet-4',
    'input.value': raw,
    'input.mime_type': 'application/json',
  });
  assert.deepEqual(countTokensResponseAttributes({ json: { input_tokens: 14 }, raw: '{"input_tokens":14}', byteLength: 19 }), {
    attributes: [['llm.token_count.prompt', 14]],
    events: [],
    status: { code: 'OK' },
  });
});
