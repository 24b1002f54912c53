import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chatInputMessageAttributes, chatOutputMessageAttributes, chatStreamOutputMessageAttributes, completionInputMessageAttributes, INPUT_MESSAGES, OUTPUT_MESSAGES } from './gen-ai-messages.js';
import type { SpanAttributes } from './span-attributes.js';

function json(attrs: SpanAttributes, key: string): unknown {
  const found = attrs.find(([name]) => name === key);
  return found === undefined ? undefined : JSON.parse(String(found[1]));
}

test('input messages: order kept, tool responses carry the call id, images/audio by type only, empty content is null', () => {
  const attrs = chatInputMessageAttributes({
    messages: [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,SECRET' } }, { type: 'input_audio', input_audio: {} }] },
      { role: 'assistant', content: 'let me check', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Berlin"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: '72F' },
      { role: 'user', content: '' },
    ],
  });
  assert.deepEqual(json(attrs, INPUT_MESSAGES), [
    { role: 'system', parts: [{ type: 'text', content: 'be brief' }] },
    { role: 'user', parts: [{ type: 'text', content: 'what is this?' }, { type: 'image' }, { type: 'audio' }] },
    { role: 'assistant', parts: [{ type: 'text', content: 'let me check' }, { type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: '{"city":"Berlin"}' }] },
    { role: 'tool', parts: [{ type: 'tool_call_response', content: '72F', id: 'call_1' }] },
    { role: 'user', parts: null },
  ]);
  assert.ok(!JSON.stringify(attrs).includes('SECRET'));
  assert.deepEqual(chatInputMessageAttributes({ messages: [] }), []);
});

test('output messages: text and tool calls with the finish reason', () => {
  assert.deepEqual(json(chatOutputMessageAttributes({ choices: [{ finish_reason: 'stop', message: { role: 'assistant', content: 'hi there' } }] }), OUTPUT_MESSAGES), [
    { role: 'assistant', parts: [{ type: 'text', content: 'hi there' }], finish_reason: 'stop' },
  ]);
  assert.deepEqual(
    json(chatOutputMessageAttributes({ choices: [{ finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', function: { name: 'f', arguments: '{}' } }] } }] }), OUTPUT_MESSAGES),
    [{ role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'f', arguments: '{}' }], finish_reason: 'tool_calls' }],
  );
  assert.deepEqual(chatOutputMessageAttributes({ choices: [] }), []);
});

test('stream: deltas folded per choice, tool-call fragments joined by their index', () => {
  const attrs = chatStreamOutputMessageAttributes([
    { choices: [{ index: 0, delta: { role: 'assistant', content: 'Hel' } }] },
    { choices: [{ index: 0, delta: { content: 'lo', tool_calls: [{ index: 0, id: 'c1', function: { name: 'f', arguments: '{"a"' } }] } }] },
    { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ':1}' } }] }, finish_reason: 'tool_calls' }] },
  ]);
  assert.deepEqual(json(attrs, OUTPUT_MESSAGES), [
    { role: 'assistant', parts: [{ type: 'text', content: 'Hello' }, { type: 'tool_call', name: 'f', arguments: '{"a":1}', id: 'c1' }], finish_reason: 'tool_calls' },
  ]);
});

test('completions: prompts as user messages', () => {
  assert.deepEqual(json(completionInputMessageAttributes({ prompt: ['a', 'b'] }), INPUT_MESSAGES), [
    { role: 'user', parts: [{ type: 'text', content: 'a' }] },
    { role: 'user', parts: [{ type: 'text', content: 'b' }] },
  ]);
  assert.deepEqual(completionInputMessageAttributes({ prompt: [1, 2] }), []);
});
