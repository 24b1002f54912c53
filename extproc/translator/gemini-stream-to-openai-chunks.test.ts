import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isRecord } from '../../common/json-guards.js';
import { GeminiStreamToOpenAIChunks } from './gemini-stream-to-openai-chunks.js';

/** Gemini's SSE framing (`alt=sse` uses CRLF line ends). */
const sse = (...events: unknown[]) => events.map((event) => `data: ${JSON.stringify(event)}\r\n\r\n`).join('');

/** The JSON payloads of an OpenAI SSE text, `[DONE]` kept as a string. */
function payloads(text: string): unknown[] {
  assert.ok(text.endsWith('\n\n'), 'events end with a blank line');
  return text
    .split('\n\n')
    .filter((event) => event !== '')
    .map((event) => {
      assert.ok(event.startsWith('data: '), event);
      const data = event.slice(6);
      if (data === '[DONE]') return data;
      const parsed: unknown = JSON.parse(data);
      return parsed;
    });
}

/** Feeds the bytes in pieces of `size` (cutting through JSON and UTF-8 sequences). */
function run(converter: GeminiStreamToOpenAIChunks, bytes: Buffer, size: number): string {
  let out = '';
  for (let at = 0; at < bytes.length; at += size) out += converter.push(bytes.subarray(at, at + size));
  return out + converter.end();
}

const base = { responseId: 'r1', createTime: '2025-01-02T03:04:05Z', modelVersion: 'gemini-2.5-flash-002' };
// `model` is Gemini's modelVersion, not the name the gateway asked for.
const chunk = (choices: unknown[], extra: object = {}) => ({ id: 'r1', object: 'chat.completion.chunk', created: 1735787045, model: 'gemini-2.5-flash-002', choices, ...extra });

const STREAM = Buffer.from(
  sse(
    { ...base, candidates: [{ content: { role: 'model', parts: [{ text: 'Planning… ', thought: true }] } }], usageMetadata: { promptTokenCount: 9 } },
    { ...base, candidates: [{ content: { role: 'model', parts: [{ text: 'Grüße 🌍' }] } }], usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 3 } },
    { ...base, candidates: [{ content: { role: 'model', parts: [{ functionCall: { name: 'f', args: { a: 1 } }, thoughtSignature: 'sig' }] } }] },
    {
      ...base,
      candidates: [{ content: { role: 'model', parts: [{ functionCall: { id: 'fc-b', name: 'g', args: {} } }] }, finishReason: 'STOP' }],
      usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 5, thoughtsTokenCount: 4, totalTokenCount: 18 },
    },
    { ...base, usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 5, thoughtsTokenCount: 4, totalTokenCount: 18, cachedContentTokenCount: 2 } },
  ),
);

for (const size of [1, 2, 7, 64, STREAM.length]) {
  test(`a stream fed ${size} byte(s) at a time: same chunks, role first, tool calls indexed, usage last, then [DONE]`, () => {
    const converter = new GeminiStreamToOpenAIChunks('gemini-2.5-flash', true);
    const events = payloads(run(converter, STREAM, size));
    const [, , third, fourth] = events;
    // Made-up tool call ids differ per run; check their shape, then compare the rest.
    const madeUpId = (event: unknown): unknown[] => {
      const choice: unknown = isRecord(event) && Array.isArray(event.choices) ? event.choices[0] : undefined;
      const calls: unknown = isRecord(choice) && isRecord(choice.delta) ? choice.delta.tool_calls : undefined;
      return Array.isArray(calls) ? calls.map((call: unknown) => (isRecord(call) ? call.id : undefined)) : [];
    };
    const [generated] = madeUpId(third);
    assert.ok(typeof generated === 'string');
    assert.match(generated, /^[0-9a-f-]{36}$/);
    assert.deepEqual(madeUpId(fourth), ['fc-b']);
    assert.deepEqual(events, [
      chunk([{ index: 0, delta: { role: 'assistant', reasoning_content: 'Planning… ' }, finish_reason: null }]),
      chunk([{ index: 0, delta: { content: 'Grüße 🌍' }, finish_reason: null }]),
      chunk([
        {
          index: 0,
          delta: { tool_calls: [{ index: 0, id: generated, type: 'function', function: { name: 'f', arguments: '{"a":1}' }, extra_content: { google: { thought_signature: 'sig' } } }] },
          finish_reason: null,
        },
      ]),
      chunk([{ index: 0, delta: { tool_calls: [{ index: 1, id: 'fc-b', type: 'function', function: { name: 'g', arguments: '{}' } }] }, finish_reason: 'tool_calls' }]),
      chunk([], {
        usage: { prompt_tokens: 9, completion_tokens: 9, total_tokens: 18, prompt_tokens_details: { cached_tokens: 2 }, completion_tokens_details: { reasoning_tokens: 4 } },
      }),
      '[DONE]',
    ]);
    assert.deepEqual(converter.usage, { inputTokens: 9, outputTokens: 9, totalTokens: 18, reasoningTokens: 4, cachedInputTokens: 2 });
    assert.equal(converter.responseModel, 'gemini-2.5-flash-002');
  });
}

test('without include_usage there is no usage chunk, but usage is still counted', () => {
  const converter = new GeminiStreamToOpenAIChunks('m', false);
  const events = payloads(run(converter, Buffer.from(sse({ candidates: [{ content: { parts: [{ text: 'hi' }] }, finishReason: 'STOP' }], usageMetadata: { promptTokenCount: 1, candidatesTokenCount: 1, totalTokenCount: 2 } })), 5));
  assert.deepEqual(events, [{ object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] }, '[DONE]']);
  assert.deepEqual(converter.usage, { inputTokens: 1, outputTokens: 1, totalTokens: 2 });
});

test('several candidates: each choice gets its role once', () => {
  const converter = new GeminiStreamToOpenAIChunks('m', false);
  const text = run(
    converter,
    Buffer.from(
      sse(
        { candidates: [{ index: 0, content: { parts: [{ text: 'a' }] } }, { index: 1, content: { parts: [{ text: 'b' }] } }] },
        { candidates: [{ index: 1, content: { parts: [{ text: 'c' }] }, finishReason: 'STOP' }] },
      ),
    ),
    1000,
  );
  assert.deepEqual(payloads(text).slice(0, 2), [
    {
      object: 'chat.completion.chunk',
      model: 'm',
      choices: [
        { index: 0, delta: { role: 'assistant', content: 'a' }, finish_reason: null },
        { index: 1, delta: { role: 'assistant', content: 'b' }, finish_reason: null },
      ],
    },
    { object: 'chat.completion.chunk', model: 'm', choices: [{ index: 1, delta: { content: 'c' }, finish_reason: 'stop' }] },
  ]);
});

test('a mid-stream Gemini error reaches the client as an error event; nothing follows but [DONE]', () => {
  const converter = new GeminiStreamToOpenAIChunks('m', true);
  const text = run(
    converter,
    Buffer.from(
      sse(
        { candidates: [{ content: { parts: [{ text: 'par' }] } }] },
        { error: { code: 429, message: 'Resource exhausted', status: 'RESOURCE_EXHAUSTED', details: [{ reason: 'quota' }] } },
        { candidates: [{ content: { parts: [{ text: 'ignored' }] } }] },
      ),
    ),
    3,
  );
  assert.deepEqual(payloads(text).slice(1), [
    { error: { type: 'RESOURCE_EXHAUSTED', code: '429', message: 'Resource exhausted\nDetails: [{"reason":"quota"}]' } },
    '[DONE]',
  ]);
});

test('an event that is not JSON cannot be translated: the stream fails', () => {
  const converter = new GeminiStreamToOpenAIChunks('m', false);
  assert.throws(() => converter.push(Buffer.from('data: {"candidates":\n\n')), /not JSON/);
});

test('a last event without a trailing newline is still translated at the end', () => {
  const converter = new GeminiStreamToOpenAIChunks('m', false);
  assert.equal(converter.push(Buffer.from('data: {"candidates":[{"content":{"parts":[{"text":"x"}]}}]}')), '');
  assert.deepEqual(payloads(converter.end()), [{ object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: 'x' }, finish_reason: null }] }, '[DONE]']);
});
