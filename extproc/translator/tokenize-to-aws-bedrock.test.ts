import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tokenizeToAWSBedrock } from './tokenize-to-aws-bedrock.js';
import { answer, sendTokenize, tokenizeTranslatorFor } from '../../test/support/tokenize-test-support.js';

test('CountTokens with Converse input: messages, system and tools; a cross-region profile loses its prefix', () => {
  const translator = tokenizeTranslatorFor(tokenizeToAWSBedrock, { name: 'AWSBedrock' }, 'us.anthropic.claude-sonnet-4-5-20250929-v1:0');
  const sent = sendTokenize(translator, {
    model: 'client-model',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather?' },
    ],
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
  });
  assert.equal(sent.path, '/model/anthropic.claude-sonnet-4-5-20250929-v1:0/count-tokens');
  assert.deepEqual(sent.headers, [['content-type', 'application/json']]);
  assert.deepEqual(sent.body, {
    input: {
      converse: {
        messages: [{ role: 'user', content: [{ text: 'Weather?' }] }],
        system: [{ text: 'Be brief.' }],
        toolConfig: { tools: [{ toolSpec: { name: 'get_weather', inputSchema: { json: { type: 'object' } } } }] },
      },
    },
  });
  const result = answer(translator, 200, { inputTokens: 21 });
  assert.deepEqual(result.json, { count: 21 });
  assert.deepEqual(result.usage, {});
});

test('a prompt is one user message; Bedrock errors keep x-amzn-errortype; an answer without inputTokens is unreadable', () => {
  const translator = tokenizeTranslatorFor(tokenizeToAWSBedrock, { name: 'AWSBedrock' });
  assert.deepEqual(sendTokenize(translator, { model: 'client-model', prompt: 'hi' }).body, { input: { converse: { messages: [{ role: 'user', content: [{ text: 'hi' }] }] } } });
  const error = answer(translator, 400, { message: "The provided model doesn't support counting tokens." }, { 'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/' });
  assert.deepEqual(error.json, { type: 'error', error: { type: 'ValidationException', code: '400', message: "The provided model doesn't support counting tokens." } });
  assert.throws(() => answer(tokenizeTranslatorFor(tokenizeToAWSBedrock, { name: 'AWSBedrock' }), 200, {}), /has no count/);
});
