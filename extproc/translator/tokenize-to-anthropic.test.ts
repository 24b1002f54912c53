import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRecord } from '../../common/json-guards.js';
import { tokenizeToAWSAnthropic, tokenizeToGCPAnthropic } from './tokenize-to-anthropic.js';
import { answer, sendTokenize, tokenizeTranslatorFor } from '../../test/support/tokenize-test-support.js';

const CHAT = {
  model: 'client-model',
  messages: [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Weather?' },
  ],
  tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object' } } }],
};

test('GCPAnthropic: count-tokens rawPredict with count_tokens fields only, the version, and no @default alias', () => {
  const translator = tokenizeTranslatorFor(tokenizeToGCPAnthropic, { name: 'GCPAnthropic', version: 'vertex-2023-10-16' }, 'claude-sonnet-4-5@default');
  const sent = sendTokenize(translator, CHAT);
  assert.equal(sent.path, 'publishers/anthropic/models/count-tokens:rawPredict');
  assert.deepEqual(sent.body, {
    anthropic_version: 'vertex-2023-10-16',
    model: 'claude-sonnet-4-5',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather?' }] }],
    system: [{ type: 'text', text: 'Be brief.' }],
    tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object' } }],
  });
  const result = answer(translator, 200, { input_tokens: 17 });
  assert.deepEqual(result.json, { count: 17 });
  assert.deepEqual(result.usage, {});
  const error = answer(tokenizeTranslatorFor(tokenizeToGCPAnthropic, { name: 'GCPAnthropic' }), 429, { type: 'error', error: { type: 'rate_limit_error', message: 'slow down' } });
  assert.deepEqual(error.json, { type: 'error', error: { type: 'rate_limit_error', code: '429', message: 'slow down' } });
});

test('AWSAnthropic: CountTokens with the InvokeModel body, base64, with max_tokens and anthropic_version', () => {
  const translator = tokenizeTranslatorFor(tokenizeToAWSAnthropic, { name: 'AWSAnthropic', version: 'bedrock-2023-05-31' }, 'global.anthropic.claude-haiku-4-5-20251001-v1:0');
  const sent = sendTokenize(translator, { model: 'client-model', prompt: 'Once upon a time' });
  assert.equal(sent.path, '/model/anthropic.claude-haiku-4-5-20251001-v1:0/count-tokens');
  const input = sent.body.input;
  assert.ok(isRecord(input) && isRecord(input.invokeModel) && typeof input.invokeModel.body === 'string');
  assert.deepEqual(JSON.parse(Buffer.from(input.invokeModel.body, 'base64').toString('utf8')), {
    max_tokens: 4096,
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Once upon a time' }] }],
    anthropic_version: 'bedrock-2023-05-31',
  });
  assert.deepEqual(answer(translator, 200, { inputTokens: 9 }).json, { count: 9 });
});
