/** Unit tests: the OpenInference span of Anthropic Messages (upstream `openinference/anthropic/messages.go`), plain and streamed. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { accumulateMessagesStream } from './accumulate-messages-stream.js';
import { messagesRequestAttributes } from './messages-request-attributes.js';
import { messagesResponseAttributes } from './messages-response-attributes.js';
import { messagesStreamAttributes } from './messages-stream-attributes.js';
import { DEFAULT_OPENINFERENCE_CONFIG } from './open-inference-config.js';
import { OPENINFERENCE_RECORDERS } from './open-inference-recorders.js';
import { spanAttributesToRecord } from './span-attributes.js';

const config = DEFAULT_OPENINFERENCE_CONFIG;
const request = {
  model: 'claude-sonnet-4',
  max_tokens: 100,
  system: 'Be brief.',
  messages: [
    { role: 'user', content: 'What is the weather?' },
    { role: 'assistant', content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_1', name: 'weather', input: {} }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'sunny' }, { type: 'text', text: 'And tomorrow?' }] },
  ],
  tools: [{ name: 'weather', input_schema: { type: 'object' } }],
};
const response = {
  id: 'msg_1', type: 'message', role: 'assistant', model: 'claude-sonnet-4-20250514',
  content: [{ type: 'thinking', thinking: 'hmm', signature: 's' }, { type: 'text', text: 'Sunny.' }, { type: 'tool_use', id: 'toolu_2', name: 'weather', input: { day: 'tomorrow' } }],
  stop_reason: 'tool_use', stop_sequence: null,
  usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 3, cache_creation_input_tokens: 2 },
};

describe('Anthropic messages', () => {
  test('request: Message span, anthropic system, text parts per message, tools, parameters without messages and tools', () => {
    assert.equal(OPENINFERENCE_RECORDERS.messages.name('claude'), 'Message');
    const raw = JSON.stringify(request);
    const a = spanAttributesToRecord(messagesRequestAttributes({ json: request, raw }, config));
    assert.deepEqual(a, {
      'openinference.span.kind': 'LLM',
      'llm.system': 'anthropic',
      'llm.model_name': 'claude-sonnet-4',
      'input.value': raw,
      'input.mime_type': 'application/json',
      'llm.invocation_parameters': '{"model":"claude-sonnet-4","max_tokens":100,"system":"Be brief."}',
      'llm.input_messages.0.message.role': 'user',
      'llm.input_messages.0.message.content': 'What is the weather?',
      'llm.input_messages.1.message.role': 'assistant',
      'llm.input_messages.1.message.contents.0.message_content.text': 'Let me check.',
      'llm.input_messages.1.message.contents.0.message_content.type': 'text',
      'llm.input_messages.2.message.role': 'user',
      'llm.input_messages.2.message.contents.1.message_content.text': 'And tomorrow?',
      'llm.input_messages.2.message.contents.1.message_content.type': 'text',
      'llm.tools.0.tool.json_schema': '{"name":"weather","input_schema":{"type":"object"}}',
    });
    const hidden = spanAttributesToRecord(messagesRequestAttributes({ json: request, raw }, { ...config, hideInputText: true }));
    assert.equal(hidden['llm.input_messages.0.message.content'], '__REDACTED__');
    assert.equal(hidden['llm.input_messages.1.message.contents.0.message_content.text'], '__REDACTED__');
    const noMessages = messagesRequestAttributes({ json: request, raw }, { ...config, hideInputMessages: true });
    assert.ok(!noMessages.some(([key]) => key.startsWith('llm.input_messages.')));
  });

  test('response: one output message per block, tool_use as a tool call, unified token counts', () => {
    const raw = JSON.stringify(response);
    const outcome = messagesResponseAttributes({ json: response, raw, byteLength: raw.length }, config);
    assert.deepEqual(spanAttributesToRecord(outcome.attributes), {
      'llm.model_name': 'claude-sonnet-4-20250514',
      'output.mime_type': 'application/json',
      'llm.output_messages.0.message.role': 'assistant',
      'llm.output_messages.1.message.role': 'assistant',
      'llm.output_messages.1.message.content': 'Sunny.',
      'llm.output_messages.2.message.role': 'assistant',
      'llm.output_messages.2.message.tool_calls.0.tool_call.id': 'toolu_2',
      'llm.output_messages.2.message.tool_calls.0.tool_call.function.name': 'weather',
      'llm.output_messages.2.message.tool_calls.0.tool_call.function.arguments': '{"day":"tomorrow"}',
      'llm.token_count.prompt': 15,
      'llm.token_count.prompt_details.cache_read': 3,
      'llm.token_count.prompt_details.cache_write': 2,
      'llm.token_count.completion': 5,
      'llm.token_count.total': 20,
      'output.value': raw,
    });
    assert.deepEqual(outcome.status, { code: 'OK' });
    const hidden = spanAttributesToRecord(messagesResponseAttributes({ json: response, raw, byteLength: raw.length }, { ...config, hideOutputs: true }).attributes);
    assert.equal(hidden['output.value'], '__REDACTED__');
    assert.equal(hidden['llm.output_messages.1.message.content'], undefined);
    assert.equal(hidden['llm.token_count.total'], 20, 'token counts are metadata, kept when outputs are hidden');
  });

  test('stream: folded into one message with only what the events carried', () => {
    const events = [
      { type: 'message_start', message: { id: 'msg_s', type: 'message', role: 'assistant', model: 'claude-x', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 7, output_tokens: 1 } } },
      { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
      { type: 'ping' },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hel' } },
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'lo' } },
      { type: 'content_block_stop', index: 0 },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'toolu_s', name: 'f', input: {} } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"a"' } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: ':1}' } },
      { type: 'content_block_stop', index: 1 },
      { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 9 } },
      { type: 'message_stop' },
    ];
    assert.deepEqual(accumulateMessagesStream(events), {
      id: 'msg_s', type: 'message', role: 'assistant', model: 'claude-x', stop_reason: 'tool_use', stop_sequence: null,
      content: [{ type: 'text', text: 'Hello' }, { type: 'tool_use', id: 'toolu_s', name: 'f', input: { a: 1 } }],
      usage: { input_tokens: 7, output_tokens: 9 },
    });
    const outcome = messagesStreamAttributes(events, config);
    assert.deepEqual(outcome.events, [{ name: 'First Token Stream Event', attributes: [] }]);
    const a = spanAttributesToRecord(outcome.attributes);
    assert.equal(a['llm.output_messages.0.message.content'], 'Hello');
    assert.equal(a['llm.output_messages.1.message.tool_calls.0.tool_call.function.arguments'], '{"a":1}');
    assert.equal(a['llm.token_count.total'], 16);
  });

  test('stream: a message_delta usage replaces the counts it names (streams translated from other APIs report input there)', () => {
    const folded = accumulateMessagesStream([
      { type: 'message_start', message: { id: 'm', role: 'assistant', content: [], usage: { input_tokens: 0, output_tokens: 0 } } },
      { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { input_tokens: 12, output_tokens: 4, cache_read_input_tokens: 2 } },
    ]);
    assert.deepEqual(folded.usage, { input_tokens: 12, output_tokens: 4, cache_read_input_tokens: 2 });
    assert.equal(folded.stop_sequence, undefined, 'not carried, not added');
    assert.deepEqual(accumulateMessagesStream([]), { content: [] });
  });
});
