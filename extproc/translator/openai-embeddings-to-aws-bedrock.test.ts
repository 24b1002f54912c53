import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findEndpoint } from '../request/endpoints.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { JsonRecord } from '../../common/json-guards.js';
import { openAIEmbeddingsToAWSBedrock } from './openai-embeddings-to-aws-bedrock.js';
import type { Translator } from './translator.js';

function translator(requestModel = 'amazon.titan-embed-text-v2:0'): Translator {
  const endpoint = findEndpoint('/v1/embeddings');
  assert.ok(endpoint);
  return openAIEmbeddingsToAWSBedrock({
    endpoint,
    backend: { name: 'default/aws/route/r/rule/0/ref/0', route: 'default/r', aiServiceBackend: 'default/aws', schema: { name: 'AWSBedrock' } },
    originalModel: 'text-embedding-3-small',
    requestModel,
  });
}

function request(aws: Translator, json: JsonRecord) {
  return aws.request({ raw: Buffer.from(JSON.stringify(json)), json, stream: false, headers: {} });
}

function bodyOf(translated: { body?: Buffer }): unknown {
  assert.ok(translated.body);
  return JSON.parse(translated.body.toString());
}

/** What Titan Text Embeddings V2 answers (vector shortened to 4 values). */
const TITAN_RESPONSE = Buffer.from(JSON.stringify({ embedding: [0.0123, -0.5, 0.25, 1], inputTextTokenCount: 7, embeddingsByType: { float: [0.0123, -0.5, 0.25, 1] } }));

test('one string (alone or in a one-element array) goes to InvokeModel as inputText; dimensions also ask for normalization', () => {
  const plain = request(translator(), { model: 'text-embedding-3-small', input: 'The food was delicious.' });
  assert.equal(plain.path, '/model/amazon.titan-embed-text-v2:0/invoke');
  assert.deepEqual(bodyOf(plain), { inputText: 'The food was delicious.' });
  assert.deepEqual(bodyOf(request(translator(), { model: 'm', input: ['The food was delicious.'], dimensions: 256 })), {
    inputText: 'The food was delicious.',
    dimensions: 256,
    normalize: true,
  });
});

test('batches, token arrays and unknown encodings are refused (422)', () => {
  const refused = (json: JsonRecord, message: RegExp) =>
    assert.throws(
      () => request(translator(), json),
      (error: unknown) => GatewayError.isInstance(error) && error.status === 422 && message.test(error.message),
    );
  refused({ model: 'm', input: ['one', 'two'] }, /exactly one string/);
  refused({ model: 'm', input: [101, 102] }, /exactly one string/);
  refused({ model: 'm', input: [[101, 102]] }, /exactly one string/);
  refused({ model: 'm' }, /exactly one string/);
  refused({ model: 'm', input: 'x', encoding_format: 'int8' }, /encoding_format "int8"/);
});

test('the Titan response becomes an OpenAI embedding list with prompt and total tokens', () => {
  const aws = translator();
  request(aws, { model: 'text-embedding-3-small', input: 'The food was delicious.' });
  assert.deepEqual(aws.responseHeaders(200, { 'content-type': 'application/json' }), { streaming: false });
  const result = aws.responseBody(TITAN_RESPONSE, true);
  assert.deepEqual(bodyOf(result), {
    object: 'list',
    data: [{ object: 'embedding', index: 0, embedding: [0.0123, -0.5, 0.25, 1] }],
    model: 'amazon.titan-embed-text-v2:0',
    usage: { prompt_tokens: 7, total_tokens: 7 },
  });
  assert.deepEqual(result.usage, { inputTokens: 7, totalTokens: 7 });
});

test('encoding_format base64: the vector as little-endian float32', () => {
  const aws = translator();
  request(aws, { model: 'm', input: 'x', encoding_format: 'base64' });
  aws.responseHeaders(200, {});
  const list = bodyOf(aws.responseBody(TITAN_RESPONSE, true));
  assert.ok(typeof list === 'object' && list !== null && 'data' in list && Array.isArray(list.data));
  const first: unknown = list.data[0];
  assert.ok(typeof first === 'object' && first !== null && 'embedding' in first && typeof first.embedding === 'string');
  const bytes = Buffer.from(first.embedding, 'base64');
  assert.equal(bytes.length, 16);
  const decoded = [0, 1, 2, 3].map((index) => bytes.readFloatLE(index * 4));
  assert.deepEqual(decoded, [Math.fround(0.0123), -0.5, 0.25, 1]);
});

test('a response without an embedding cannot be translated; errors take the AWS type when JSON', () => {
  const aws = translator();
  request(aws, { model: 'm', input: 'x' });
  aws.responseHeaders(200, {});
  assert.throws(() => aws.responseBody(Buffer.from('{"inputTextTokenCount":3}'), true), /no numeric "embedding"/);

  const failing = translator();
  request(failing, { model: 'm', input: 'x' });
  failing.responseHeaders(400, { 'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/' });
  assert.deepEqual(bodyOf(failing.responseError(400, Buffer.from('{"message":"Malformed input request: #: extraneous key [texts] is not permitted"}'))), {
    type: 'error',
    error: { type: 'ValidationException', code: '400', message: 'Malformed input request: #: extraneous key [texts] is not permitted' },
  });
  assert.deepEqual(bodyOf(failing.responseError(502, Buffer.from('Bad Gateway'))), { type: 'error', error: { type: 'AWSBedrockBackendError', code: '502', message: 'Bad Gateway' } });
});
