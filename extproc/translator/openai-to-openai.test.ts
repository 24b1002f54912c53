import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findEndpoint } from '../request/endpoints.js';
import type { BackendConfig, SchemaName } from '../../contract/filter-config.js';
import { isRecord, type JsonRecord } from '../../common/json-guards.js';
import { openAIToAzureOpenAI } from './openai-to-azure-openai.js';
import { openAIToOpenAI } from './openai-to-openai.js';
import { isUnsupported, TRANSLATORS } from './translator-table.js';
import type { ClientRequest, Translator } from './translator.js';

function translator(path: string, options: { needsUsage?: boolean; override?: string; schema?: SchemaName } = {}): Translator {
  const endpoint = findEndpoint(path);
  assert.ok(endpoint);
  const schema = options.schema ?? 'OpenAI';
  const backend: BackendConfig = {
    name: 'default/b/route/r/rule/0/ref/0',
    route: 'default/r',
    aiServiceBackend: 'default/b',
    schema: schema === 'AzureOpenAI' ? { name: schema, version: '2025-01-01-preview' } : { name: schema, prefix: 'v1' },
    ...(options.override !== undefined ? { modelNameOverride: options.override } : {}),
  };
  const context = { endpoint, backend, originalModel: 'gpt-4o-mini', requestModel: options.override ?? 'gpt-4o-mini', ...(options.needsUsage !== undefined ? { needsUsage: options.needsUsage } : {}) };
  if (schema === 'AzureOpenAI') return openAIToAzureOpenAI(context);
  // Endpoints with a pass-through of their own (input tokens, tokenize) are taken from the table.
  const entry = endpoint.name === 'models' || endpoint.name === 'anthropic-models' ? openAIToOpenAI : TRANSLATORS[endpoint.name].OpenAI;
  assert.ok(!isUnsupported(entry), `${path} has no OpenAI translator`);
  return entry(context);
}

function client(json: JsonRecord): ClientRequest {
  return { raw: Buffer.from(JSON.stringify(json)), json, stream: json.stream === true, headers: {} };
}

const chunk = (delta: JsonRecord) => JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model: 'gpt-4o-mini-2024', choices: [{ index: 0, delta }], usage: null });
const USAGE_CHUNK = JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', model: 'gpt-4o-mini-2024', choices: [], usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 } });
const STREAM = `data: ${chunk({ role: 'assistant', content: 'Hi' })}\n\ndata: ${chunk({ content: '!' })}\n\ndata: ${USAGE_CHUNK}\n\ndata: [DONE]\n\n`;

/** Streams STREAM through in pieces of `size` bytes; returns what the client gets and the last usage. */
function stream(openai: Translator, size: number): { text: string; usage: unknown; responseModel: unknown } {
  assert.equal(openai.responseHeaders(200, { 'content-type': 'text/event-stream' }).streaming, true);
  const bytes = Buffer.from(STREAM);
  let text = '';
  let last: ReturnType<Translator['responseBody']> | undefined;
  for (let at = 0; at < bytes.length; at += size) {
    const piece = bytes.subarray(at, at + size);
    last = openai.responseBody(piece, at + size >= bytes.length);
    text += (last.body ?? piece).toString();
  }
  return { text, usage: last?.usage, responseModel: last?.responseModel };
}

test('costs need usage: a stream the client did not ask usage for asks for it, and the client gets no usage chunk', () => {
  for (const size of [1, 7, STREAM.length]) {
    const openai = translator('/v1/chat/completions', { needsUsage: true });
    assert.equal(openai.needsBody, true);
    const request = openai.request(client({ model: 'gpt-4o-mini', stream: true, stream_options: { x: 1 }, messages: [] }));
    assert.equal(request.path, '/v1/chat/completions');
    assert.deepEqual(JSON.parse(request.body?.toString() ?? ''), { model: 'gpt-4o-mini', stream: true, stream_options: { x: 1, include_usage: true }, messages: [] });
    const { text, usage, responseModel } = stream(openai, size);
    assert.equal(text, STREAM.replace(`data: ${USAGE_CHUNK}\n\n`, ''), `size ${size}`);
    assert.deepEqual(usage, { inputTokens: 9, outputTokens: 2, totalTokens: 11 }, 'the gateway still reads the usage');
    assert.equal(responseModel, 'gpt-4o-mini-2024');
  }
});

test('a client that asked for usage gets the chunk; its request is forwarded as sent', () => {
  for (const needsUsage of [true, false]) {
    const openai = translator('/v1/chat/completions', { needsUsage });
    assert.equal(openai.request(client({ model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true }, messages: [] })).body, undefined);
    assert.equal(stream(openai, 13).text, STREAM);
  }
});

test('without costs nothing is asked for; non-streaming requests are never changed', () => {
  const plain = translator('/v1/chat/completions');
  assert.equal(plain.needsBody, false);
  assert.equal(plain.request(client({ model: 'gpt-4o-mini', stream: true, messages: [] })).body, undefined);
  assert.equal(translator('/v1/chat/completions', { needsUsage: true }).request(client({ model: 'gpt-4o-mini', messages: [] })).body, undefined);
  // Whatever a provider sends unasked is its own doing, and passes.
  assert.equal(stream(plain, 64).text, STREAM);
  // Endpoints whose streams report usage unasked are left alone.
  const responses = translator('/v1/responses', { needsUsage: true });
  assert.equal(responses.needsBody, false);
  assert.equal(responses.request(client({ model: 'gpt-4o-mini', input: 'x', stream: true })).body, undefined);
});

test('legacy completions, Azure and a model override follow the same rule', () => {
  const completions = translator('/v1/completions', { needsUsage: true, override: 'babbage-002' });
  const body: unknown = JSON.parse(completions.request(client({ model: 'gpt-4o-mini', prompt: 'x', stream: true, stream_options: null })).body?.toString() ?? '');
  assert.deepEqual(body, { model: 'babbage-002', prompt: 'x', stream: true, stream_options: { include_usage: true } });

  const azure = translator('/v1/chat/completions', { needsUsage: true, schema: 'AzureOpenAI' });
  const request = azure.request(client({ model: 'gpt-4o-mini', stream: true, messages: [] }));
  assert.equal(request.path, '/openai/deployments/gpt-4o-mini/chat/completions?api-version=2025-01-01-preview');
  const azureBody: unknown = JSON.parse(request.body?.toString() ?? '');
  assert.ok(isRecord(azureBody));
  assert.deepEqual(azureBody.stream_options, { include_usage: true });
  assert.ok(!stream(azure, 5).text.includes('"choices":[]'));
});

test('/v1/responses/input_tokens: passed through under the prefix; the count is the input tokens', () => {
  const counter = translator('/v1/responses/input_tokens', { override: 'gpt-4.1' });
  const request = counter.request(client({ model: 'gpt-4o-mini', input: 'Hello', instructions: 'Be brief.' }));
  assert.equal(request.path, '/v1/responses/input_tokens');
  assert.deepEqual(JSON.parse(request.body?.toString() ?? ''), { model: 'gpt-4.1', input: 'Hello', instructions: 'Be brief.' });
  assert.equal(counter.responseHeaders(200, { 'content-type': 'application/json' }).streaming, false);
  assert.deepEqual(counter.responseBody(Buffer.from('{"object":"response.input_tokens","input_tokens":15}'), true), { usage: { inputTokens: 15 } });
});

test('/tokenize: passed through at the server root (vLLM), the override in the body, no usage', () => {
  const tokenize = translator('/tokenize', { override: 'meta-llama/Llama-3.1-8B-Instruct' });
  const request = tokenize.request(client({ model: 'llama', prompt: 'Once upon a time' }));
  assert.equal(request.path, '/tokenize');
  assert.deepEqual(JSON.parse(request.body?.toString() ?? ''), { model: 'meta-llama/Llama-3.1-8B-Instruct', prompt: 'Once upon a time' });
  tokenize.responseHeaders(200, { 'content-type': 'application/json' });
  assert.deepEqual(tokenize.responseBody(Buffer.from('{"count":5,"max_model_len":131072,"tokens":[128000,12805,5304,264,892]}'), true), { usage: {} });
  assert.equal(translator('/tokenize').needsBody, false);
});
