/** Unit tests: the OpenInference span of the Responses API (upstream ResponsesRecorder and its request/response attribute builders). */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_OPENINFERENCE_CONFIG } from './open-inference-config.js';
import { OPENINFERENCE_RECORDERS } from './open-inference-recorders.js';
import { responsesRequestAttributes } from './responses-request-attributes.js';
import { responsesResponseAttributes } from './responses-response-attributes.js';
import { responsesStreamAttributes } from './responses-stream-attributes.js';
import { spanAttributesToRecord } from './span-attributes.js';

const config = DEFAULT_OPENINFERENCE_CONFIG;
const request = {
  model: 'gpt-4.1',
  instructions: 'Be brief.',
  temperature: 0.5,
  input: [
    { role: 'user', content: 'Weather?' },
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Look:' }, { type: 'input_image', image_url: 'https://example.com/a.png' }] },
    { type: 'function_call', call_id: 'call_1', name: 'weather', arguments: '{"city":"Paris"}' },
    { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
    { type: 'reasoning', id: 'rs_1', summary: [{ type: 'summary_text', text: 'thought' }] },
    { type: 'item_reference', id: 'msg_0' },
    { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Earlier answer' }] },
  ],
  tools: [{ type: 'function', name: 'weather', parameters: { type: 'object' } }],
};
const response = {
  id: 'resp_1', object: 'response', model: 'gpt-4.1-2025-04-14', status: 'completed',
  output: [
    { type: 'reasoning', id: 'rs_2', summary: [{ type: 'summary_text', text: 'Thinking' }] },
    { type: 'function_call', id: 'fc_1', call_id: 'call_2', name: 'weather', arguments: '{}' },
    { type: 'message', id: 'msg_1', role: 'assistant', content: [{ type: 'output_text', text: 'Hello', annotations: [] }, { type: 'refusal', refusal: 'No.' }] },
    { type: 'web_search_call', id: 'ws_1', status: 'completed' },
  ],
  usage: { input_tokens: 12, output_tokens: 3, total_tokens: 15, input_tokens_details: { cached_tokens: 4 }, output_tokens_details: { reasoning_tokens: 0 } },
};

describe('Responses API', () => {
  test('request: instructions as system, each input item a message, tools, parameters without input/instructions/tools', () => {
    assert.equal(OPENINFERENCE_RECORDERS.responses.name('gpt-4.1'), 'Responses');
    const raw = JSON.stringify(request);
    assert.deepEqual(spanAttributesToRecord(responsesRequestAttributes({ json: request, raw }, config)), {
      'openinference.span.kind': 'LLM',
      'llm.system': 'openai',
      'llm.model_name': 'gpt-4.1',
      'input.value': raw,
      'input.mime_type': 'application/json',
      'llm.invocation_parameters': '{"model":"gpt-4.1","temperature":0.5}',
      'llm.input_messages.0.message.role': 'system',
      'llm.input_messages.0.message.content': 'Be brief.',
      'llm.input_messages.1.message.role': 'user',
      'llm.input_messages.1.message.content': 'Weather?',
      'llm.input_messages.2.message.role': 'user',
      'llm.input_messages.2.message.contents.0.message_content.type': 'text',
      'llm.input_messages.2.message.contents.0.message_content.text': 'Look:',
      'llm.input_messages.2.message.contents.1.message_content.type': 'image',
      'llm.input_messages.2.message.contents.1.message_content.image.image.url': 'https://example.com/a.png',
      'llm.input_messages.3.message.role': 'assistant',
      'llm.input_messages.3.message.tool_calls.0.tool_call.id': 'call_1',
      'llm.input_messages.3.message.tool_calls.0.tool_call.function.name': 'weather',
      'llm.input_messages.3.message.tool_calls.0.tool_call.function.arguments': '{"city":"Paris"}',
      'llm.input_messages.4.message.role': 'tool',
      'llm.input_messages.4.message.tool_calls.0.tool_call.id': 'call_1',
      'llm.input_messages.4.message.content': 'sunny',
      'llm.input_messages.5.message.role': 'assistant',
      'llm.input_messages.5.message.contents.0.message_content.type': 'text',
      'llm.input_messages.5.message.contents.0.message_content.text': 'thought',
      'llm.input_messages.7.message.role': 'assistant',
      'llm.input_messages.7.message.contents.0.message_content.type': 'text',
      'llm.input_messages.7.message.contents.0.message_content.text': 'Earlier answer',
      'llm.tools.0.tool.json_schema': '{"type":"function","name":"weather","parameters":{"type":"object"}}',
    });
  });

  test('request: a string input is one user message; hidden images are redacted in input.value too; hidden inputs keep the MIME type', () => {
    const simple = spanAttributesToRecord(responsesRequestAttributes({ json: { model: 'm', input: 'hi' }, raw: '{"model":"m","input":"hi"}' }, config));
    assert.equal(simple['llm.input_messages.0.message.role'], 'user');
    assert.equal(simple['llm.input_messages.0.message.content'], 'hi');
    const raw = JSON.stringify(request);
    const noImages = spanAttributesToRecord(responsesRequestAttributes({ json: request, raw }, { ...config, hideInputImages: true }));
    assert.ok(!String(noImages['input.value']).includes('example.com'));
    assert.equal(noImages['llm.input_messages.2.message.contents.1.message_content.image.image.url'], '__REDACTED__');
    const noInputs = spanAttributesToRecord(responsesRequestAttributes({ json: request, raw }, { ...config, hideInputs: true }));
    assert.equal(noInputs['input.value'], '__REDACTED__');
    assert.equal(noInputs['input.mime_type'], 'application/json');
    assert.ok(!Object.keys(noInputs).some((key) => key.startsWith('llm.input_messages.')));
  });

  test('response: model, token counts above zero, output items as messages', () => {
    const raw = JSON.stringify(response);
    const outcome = responsesResponseAttributes({ json: response, raw, byteLength: raw.length }, config);
    assert.deepEqual(spanAttributesToRecord(outcome.attributes), {
      'output.mime_type': 'application/json',
      'llm.model_name': 'gpt-4.1-2025-04-14',
      'llm.token_count.prompt': 12,
      'llm.token_count.completion': 3,
      'llm.token_count.total': 15,
      'llm.token_count.prompt_details.cache_read': 4,
      'llm.output_messages.0.message.contents.0.message_content.type': 'text',
      'llm.output_messages.0.message.contents.0.message_content.text': 'Thinking',
      'llm.output_messages.1.message.role': 'assistant',
      'llm.output_messages.1.message.tool_calls.0.tool_call.id': 'call_2',
      'llm.output_messages.1.message.tool_calls.0.tool_call.function.name': 'weather',
      'llm.output_messages.1.message.tool_calls.0.tool_call.function.arguments': '{}',
      'llm.output_messages.2.message.role': 'assistant',
      'llm.output_messages.2.message.contents.0.message_content.type': 'text',
      'llm.output_messages.2.message.contents.0.message_content.text': 'Hello',
      'llm.output_messages.2.message.contents.1.message_content.type': 'text',
      'llm.output_messages.2.message.contents.1.message_content.text': 'No.',
      'llm.output_messages.3.message.role': 'assistant',
      'llm.output_messages.3.message.tool_calls.0.tool_call.id': 'ws_1',
      'llm.output_messages.3.message.tool_calls.0.tool_call.function.name': 'web_search_call',
      'output.value': raw,
    });
    const hidden = spanAttributesToRecord(responsesResponseAttributes({ json: response, raw, byteLength: raw.length }, { ...config, hideOutputs: true }).attributes);
    assert.equal(hidden['output.value'], '__REDACTED__');
    assert.equal(hidden['output.mime_type'], 'application/json');
    assert.equal(hidden['llm.token_count.total'], 15);
    assert.ok(!Object.keys(hidden).some((key) => key.startsWith('llm.output_messages.')));
  });

  test('stream: the response.completed event is recorded, with its event; an uncompleted stream records no output', () => {
    const events = [
      { type: 'response.created', response: { ...response, status: 'in_progress', output: [], usage: null } },
      { type: 'response.output_text.delta', delta: 'Hel' },
      { type: 'response.completed', response },
    ];
    const outcome = responsesStreamAttributes(events, config);
    assert.deepEqual(outcome.events.map((event) => event.name), ['First Token Stream Event', 'Response Completed Event']);
    assert.equal(spanAttributesToRecord(outcome.attributes)['llm.output_messages.2.message.contents.0.message_content.text'], 'Hello');
    assert.deepEqual(outcome.status, { code: 'OK' });
    const cut = responsesStreamAttributes(events.slice(0, 2), config);
    assert.deepEqual(cut, { attributes: [], events: [{ name: 'First Token Stream Event', attributes: [] }], status: { code: 'UNSET' } });
  });
});
