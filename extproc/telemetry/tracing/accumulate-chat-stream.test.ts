/** Unit tests: a folded chat stream holds only the members the stream carried (compare upstream's golden chat-streaming span). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accumulateChatStream } from './accumulate-chat-stream.js';
import { chatStreamAttributes } from './chat-stream-attributes.js';
import { DEFAULT_OPENINFERENCE_CONFIG } from './open-inference-config.js';
import { spanAttributesToRecord } from './span-attributes.js';

test('a tool-call-only stream has no content, and its tool call only the fields its deltas had', () => {
  const chunks = [
    { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: null, tool_calls: [{ index: 0, id: 'call_1', function: { name: 'f', arguments: '' } }] } }] },
    { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{}' } }] } }] },
    { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] },
  ];
  const folded = accumulateChatStream(chunks);
  assert.deepEqual(folded.choices, [{ message: { role: 'assistant', tool_calls: [{ id: 'call_1', function: { name: 'f', arguments: '{}' } }] }, index: 0, finish_reason: 'tool_calls' }]);
  const a = spanAttributesToRecord(chatStreamAttributes(chunks, DEFAULT_OPENINFERENCE_CONFIG).attributes);
  assert.equal(a['llm.output_messages.0.message.content'], undefined);
  assert.ok(!String(a['output.value']).includes('"content"'), String(a['output.value']));
});

test('content sent as an empty string was carried and is kept; no annotations or tool calls are added when none came', () => {
  const folded = accumulateChatStream([{ id: 'c', model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '' } }] }, { id: 'c', model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }]);
  assert.deepEqual(folded.choices, [{ message: { content: '', role: 'assistant' }, index: 0, finish_reason: 'stop' }]);
  assert.equal(folded.usage, undefined);
  assert.equal(folded.service_tier, undefined);
});
