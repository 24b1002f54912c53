import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tokenizeToGCPVertexAI } from './tokenize-to-gcp-vertexai.js';
import { answer, sendTokenize, tokenizeTranslatorFor } from '../../test/support/tokenize-test-support.js';

const VERTEX = { name: 'GCPVertexAI', version: 'v1' } as const;

test('a prompt goes to :countTokens as one user content; the answer is {count}', () => {
  const translator = tokenizeTranslatorFor(tokenizeToGCPVertexAI, VERTEX, 'gemini-2.5-flash');
  assert.equal(translator.needsBody, true);
  const sent = sendTokenize(translator, { model: 'gemini', prompt: 'Once upon a time' });
  assert.equal(sent.path, 'publishers/google/models/gemini-2.5-flash:countTokens');
  assert.deepEqual(sent.body, { contents: [{ role: 'user', parts: [{ text: 'Once upon a time' }] }] });
  const result = answer(translator, 200, { totalTokens: 5, totalBillableCharacters: 16, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 5 }] });
  assert.deepEqual(result.json, { count: 5 });
  assert.deepEqual(result.usage, {}, 'counting consumes no tokens');
  assert.equal(result.responseModel, 'gemini-2.5-flash');
});

test('a chat: system instruction, tools and media_resolution as countTokens takes them', () => {
  const sent = sendTokenize(tokenizeTranslatorFor(tokenizeToGCPVertexAI, VERTEX), {
    model: 'client-model',
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Weather?' },
    ],
    tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    media_resolution: 'MEDIA_RESOLUTION_LOW',
    add_generation_prompt: true,
  });
  assert.deepEqual(sent.body, {
    contents: [{ role: 'user', parts: [{ text: 'Weather?' }] }],
    systemInstruction: { parts: [{ text: 'Be brief.' }] },
    tools: [{ functionDeclarations: [{ name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } }] }],
    generationConfig: { mediaResolution: 'MEDIA_RESOLUTION_LOW' },
  });
});

test('Google leaves a zero count out; errors come back in the OpenAI shape', () => {
  assert.deepEqual(answer(tokenizeTranslatorFor(tokenizeToGCPVertexAI, VERTEX), 200, {}).json, { count: 0 });
  const error = answer(tokenizeTranslatorFor(tokenizeToGCPVertexAI, VERTEX), 404, { error: { code: 404, message: 'Publisher Model not found.', status: 'NOT_FOUND' } });
  assert.deepEqual(error.json, { type: 'error', error: { type: 'NOT_FOUND', code: '404', message: 'Publisher Model not found.' } });
  assert.throws(() => answer(tokenizeTranslatorFor(tokenizeToGCPVertexAI, VERTEX), 200, '<html>'), /not JSON/);
});
