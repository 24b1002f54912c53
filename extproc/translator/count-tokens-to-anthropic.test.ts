import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRecord } from '../../common/json-guards.js';
import { bodyOf, client, context } from '../../test/support/anthropic-test-support.js';
import { countTokensToAnthropic, countTokensToAWSAnthropic, countTokensToGCPAnthropic } from './count-tokens-to-anthropic.js';

const COUNT = '/anthropic/v1/messages/count_tokens';
const REQUEST = { model: 'claude', messages: [{ role: 'user', content: 'hi' }] };

test('Anthropic: fixed /v1/messages/count_tokens path whatever the prefix; the count is the input usage', () => {
  const translator = countTokensToAnthropic(context(COUNT, 'Anthropic', { prefix: 'custom/v9', model: 'claude' }));
  assert.equal(translator.needsBody, false);
  assert.deepEqual(translator.request(undefined), { path: '/v1/messages/count_tokens' });
  translator.responseHeaders(200, { 'content-type': 'application/json' });
  const result = translator.responseBody(Buffer.from('{"input_tokens":14}'), true);
  assert.deepEqual(result, { usage: { inputTokens: 14 }, responseModel: 'claude' });

  const override = countTokensToAnthropic(context(COUNT, 'Anthropic', { model: 'claude', override: 'claude-haiku-4-5' }));
  assert.equal(bodyOf(override, client(REQUEST)).model, 'claude-haiku-4-5');
});

test('AWSAnthropic: cross-region prefix stripped, native invoke body base64 inside input.invokeModel, inputTokens → input_tokens', () => {
  const translator = countTokensToAWSAnthropic(context(COUNT, 'AWSAnthropic', { model: 'us.anthropic.claude-sonnet-4-20250514-v1:0' }));
  const request = client({ ...REQUEST, thinking: { type: 'enabled', budget_tokens: 2048 } }, { 'anthropic-beta': 'token-counting-2024-11-01,oauth-2025-04-20' });
  const translated = translator.request(request);
  assert.equal(translated.path, '/model/anthropic.claude-sonnet-4-20250514-v1:0/count-tokens');
  const body = bodyOf(translator, request);
  assert.ok(isRecord(body.input) && isRecord(body.input.invokeModel) && typeof body.input.invokeModel.body === 'string');
  const invoke: unknown = JSON.parse(Buffer.from(body.input.invokeModel.body, 'base64').toString('utf8'));
  assert.deepEqual(invoke, {
    max_tokens: 2049,
    anthropic_version: 'bedrock-2023-05-31',
    anthropic_beta: ['token-counting-2024-11-01'],
    messages: [{ role: 'user', content: 'hi' }],
    thinking: { type: 'enabled', budget_tokens: 2048 },
  });
  assert.equal(countTokensToAWSAnthropic(context(COUNT, 'AWSAnthropic', { model: 'global.anthropic.claude-x' })).request(client(REQUEST)).path, '/model/anthropic.claude-x/count-tokens');

  translator.responseHeaders(200, { 'content-type': 'application/json' });
  const result = translator.responseBody(Buffer.from('{"inputTokens":31}'), true);
  assert.equal(result.body?.toString(), '{"input_tokens":31}');
  assert.deepEqual(result.usage, { inputTokens: 31 });
  assert.throws(() => translator.responseBody(Buffer.from('{}'), true), /inputTokens/);
  assert.deepEqual(JSON.parse(translator.responseError(400, Buffer.from('{"message":"The provided model doesn\'t support counting tokens"}')).body?.toString() ?? ''), {
    type: 'error',
    error: { type: 'invalid_request_error', message: "The provided model doesn't support counting tokens" },
  });
});

test('GCPAnthropic: count-tokens rawPredict with the model (override) and anthropic_version in the body', () => {
  const translator = countTokensToGCPAnthropic(context(COUNT, 'GCPAnthropic', { model: 'claude', override: 'claude-sonnet-4@20250514' }));
  assert.equal(translator.needsBody, true);
  const request = client(REQUEST);
  assert.equal(translator.request(request).path, 'publishers/anthropic/models/count-tokens:rawPredict');
  assert.deepEqual(bodyOf(translator, request), { anthropic_version: 'vertex-2023-10-16', model: 'claude-sonnet-4@20250514', messages: [{ role: 'user', content: 'hi' }] });
  translator.responseHeaders(200, { 'content-type': 'application/json' });
  assert.deepEqual(translator.responseBody(Buffer.from('{"input_tokens":3}'), true), { usage: { inputTokens: 3 }, responseModel: 'claude-sonnet-4@20250514' });
  // count-tokens refuses the aliases Vertex's other methods take; a dated version stays.
  const alias = countTokensToGCPAnthropic(context(COUNT, 'GCPAnthropic', { model: 'claude', override: 'claude-sonnet-4-5@default' }));
  assert.equal(bodyOf(alias, client(REQUEST)).model, 'claude-sonnet-4-5');
});
