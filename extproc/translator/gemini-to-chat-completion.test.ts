import assert from 'node:assert/strict';
import { test } from 'node:test';
import { geminiToChatCompletion } from './gemini-to-chat-completion.js';
import { readGeminiResponse } from './read-gemini-response.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('one choice per candidate; thoughts become reasoning_content; ids and timestamps from Gemini', () => {
  const completion = geminiToChatCompletion(
    readGeminiResponse({
      responseId: 'resp-1',
      createTime: '2025-01-02T03:04:05.678Z',
      modelVersion: 'gemini-2.5-flash-001',
      candidates: [
        {
          content: {
            role: 'model',
            parts: [{ text: 'Let me think. ', thought: true }, { text: 'Hello' }, { inlineData: { mimeType: 'image/png', data: 'AA==' } }, { text: ', world' }],
          },
          finishReason: 'STOP',
        },
        { index: 1, content: { role: 'model', parts: [{ text: 'Cut' }] }, finishReason: 'MAX_TOKENS' },
      ],
    }),
    'gemini-2.5-flash',
  );
  assert.deepEqual(completion, {
    id: 'resp-1',
    object: 'chat.completion',
    created: 1735787045,
    model: 'gemini-2.5-flash',
    choices: [
      { index: 0, message: { role: 'assistant', content: 'Hello, world', reasoning_content: 'Let me think. ' }, finish_reason: 'stop' },
      { index: 1, message: { role: 'assistant', content: 'Cut' }, finish_reason: 'length' },
    ],
  });
});

test('function calls become tool calls with ids (Gemini’s or made up) and the thought signature', () => {
  const completion = geminiToChatCompletion(
    readGeminiResponse({
      candidates: [
        {
          content: {
            role: 'model',
            parts: [
              { functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'c2lnbmF0dXJl' },
              { functionCall: { id: 'fc-2', name: 'get_time' } },
            ],
          },
          finishReason: 'STOP',
        },
      ],
    }),
    'm',
  );
  const choice = completion.choices[0];
  assert.ok(choice);
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.equal(choice.message.content, null);
  const [first, second] = choice.message.tool_calls ?? [];
  assert.ok(first && second);
  assert.match(first.id, UUID);
  assert.deepEqual({ ...first, id: 'x' }, {
    id: 'x',
    type: 'function',
    function: { name: 'get_weather', arguments: '{"city":"Paris"}' },
    extra_content: { google: { thought_signature: 'c2lnbmF0dXJl' } },
  });
  assert.deepEqual(second, { id: 'fc-2', type: 'function', function: { name: 'get_time', arguments: '{}' } });
});

test('finish reasons: filters are content_filter, unknown reasons stop, missing is null', () => {
  const reason = (finishReason?: string) =>
    geminiToChatCompletion(readGeminiResponse({ candidates: [{ content: { parts: [{ text: 'x' }] }, ...(finishReason ? { finishReason } : {}) }] }), 'm').choices[0]?.finish_reason;
  for (const filtered of ['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII']) assert.equal(reason(filtered), 'content_filter');
  assert.equal(reason('OTHER'), 'stop');
  assert.equal(reason('MALFORMED_FUNCTION_CALL'), 'stop');
  assert.equal(reason(undefined), null);
});

test('a blocked prompt is one empty choice finished by content_filter, with the usage Gemini counted', () => {
  assert.deepEqual(geminiToChatCompletion(readGeminiResponse({ promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: 4, totalTokenCount: 4 } }), 'm'), {
    object: 'chat.completion',
    model: 'm',
    choices: [{ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'content_filter' }],
    usage: { prompt_tokens: 4, completion_tokens: 0, total_tokens: 4 },
  });
});

test('readGeminiResponse refuses what is not a response object', () => {
  assert.throws(() => readGeminiResponse([]), /not a JSON object/);
  assert.deepEqual(readGeminiResponse({ candidates: 'x' }), { candidates: [] });
});
