import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayError } from '../errors/gateway-error.js';
import type { JsonRecord } from '../../common/json-guards.js';
import { chatRequestToConverse } from './chat-request-to-converse.js';
import { readChatRequest } from './openai-chat-request.js';

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

function translate(body: JsonRecord): unknown {
  // Through JSON, as the body goes on the wire: undefined fields must not count.
  return JSON.parse(JSON.stringify(chatRequestToConverse(readChatRequest(body))));
}

function assertRefused(body: JsonRecord, message: RegExp): void {
  assert.throws(
    () => chatRequestToConverse(readChatRequest(body)),
    (error: unknown) => GatewayError.isInstance(error) && error.status === 422 && message.test(error.message),
  );
}

test('inference parameters: max_completion_tokens wins over max_tokens; a stop string becomes a list', () => {
  assert.deepEqual(translate({ model: 'm', messages: [], max_tokens: 10, max_completion_tokens: 20, temperature: 0.2, top_p: 0.9, stop: 'END' }), {
    inferenceConfig: { maxTokens: 20, temperature: 0.2, topP: 0.9, stopSequences: ['END'] },
    messages: [],
  });
});

test('system and developer messages (anywhere) become system blocks, cache_control a cache point after its block', () => {
  const body = {
    model: 'm',
    messages: [
      { role: 'system', content: [{ type: 'text', text: 'long rules', cache_control: { type: 'ephemeral' } }] },
      { role: 'user', content: 'hi' },
      { role: 'developer', content: 'be brief' },
    ],
  };
  assert.deepEqual(translate(body), {
    inferenceConfig: {},
    messages: [{ role: 'user', content: [{ text: 'hi' }] }],
    system: [{ text: 'long rules' }, { cachePoint: { type: 'default' } }, { text: 'be brief' }],
  });
});

test('user text and data: URI images, with cache points', () => {
  const body = {
    model: 'm',
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'what is this?' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG}` }, cache_control: { type: 'ephemeral' } },
          { type: 'image_url', image_url: { url: 'data:image/jpg;base64,/9j/4AAQ' } },
        ],
      },
    ],
  };
  assert.deepEqual(translate(body), {
    inferenceConfig: {},
    messages: [
      {
        role: 'user',
        content: [
          { text: 'what is this?' },
          { image: { format: 'png', source: { bytes: PNG } } },
          { cachePoint: { type: 'default' } },
          { image: { format: 'jpeg', source: { bytes: '/9j/4AAQ' } } },
        ],
      },
    ],
  });
});

test('images Bedrock cannot take are refused: URLs and other media types', () => {
  const image = (url: string) => ({ model: 'm', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url } }] }] });
  assertRefused(image('https://example.com/cat.png'), /messages\[0\]\.content\[0\].*data: URIs/);
  assertRefused(image('data:image/tiff;base64,AAAA'), /image\/tiff/);
});

test('assistant reasoning, text and tool calls; tool results merged into one user turn with the next user message', () => {
  const body = {
    model: 'm',
    messages: [
      { role: 'user', content: 'weather in Paris and Rome?' },
      {
        role: 'assistant',
        content: 'Checking.',
        thinking_blocks: [
          { type: 'thinking', thinking: 'two cities', signature: 'sig-1' },
          { type: 'redacted_thinking', data: 'ZW5jcnlwdGVk' },
        ],
        tool_calls: [
          { id: 'tooluse_1', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } },
          { id: 'tooluse_2', type: 'function', function: { name: 'clock', arguments: '' } },
        ],
      },
      { role: 'tool', tool_call_id: 'tooluse_1', content: '18°C' },
      { role: 'tool', tool_call_id: 'tooluse_2', content: [{ type: 'text', text: '12:00', cache_control: { type: 'ephemeral' } }] },
      { role: 'user', content: 'thanks' },
      { role: 'assistant', content: '' },
    ],
  };
  assert.deepEqual(translate(body), {
    inferenceConfig: {},
    messages: [
      { role: 'user', content: [{ text: 'weather in Paris and Rome?' }] },
      {
        role: 'assistant',
        content: [
          { reasoningContent: { reasoningText: { text: 'two cities', signature: 'sig-1' } } },
          { reasoningContent: { redactedContent: 'ZW5jcnlwdGVk' } },
          { text: 'Checking.' },
          { toolUse: { toolUseId: 'tooluse_1', name: 'weather', input: { city: 'Paris' } } },
          { toolUse: { toolUseId: 'tooluse_2', name: 'clock', input: {} } },
        ],
      },
      {
        role: 'user',
        content: [
          { toolResult: { toolUseId: 'tooluse_1', content: [{ text: '18°C' }] } },
          { toolResult: { toolUseId: 'tooluse_2', content: [{ text: '12:00' }] } },
          { cachePoint: { type: 'default' } },
          { text: 'thanks' },
        ],
      },
      // The empty assistant message is dropped.
    ],
  });
});

test('tool call arguments that are not a JSON object are refused', () => {
  const call = (args: string) => ({
    model: 'm',
    messages: [{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: args } }] }],
  });
  assertRefused(call('{"city":'), /tool_calls\[0\]\.function\.arguments is not JSON/);
  assertRefused(call('[1,2]'), /must be a JSON object/);
});

const TOOLS = [
  { type: 'function', function: { name: 'weather', description: 'Current weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } },
  { type: 'function', function: { name: 'clock' } },
];

test('tools become tool specs; tool_choice auto, required and a named function', () => {
  const expectedTools = [
    {
      toolSpec: {
        name: 'weather',
        description: 'Current weather',
        inputSchema: { json: { type: 'object', properties: { city: { type: 'string' } } } },
        strict: true,
      },
    },
    { toolSpec: { name: 'clock', inputSchema: { json: { type: 'object', properties: {} } } } },
  ];
  const withChoice = (toolChoice: unknown) => translate({ model: 'm', messages: [], tools: TOOLS, ...(toolChoice !== undefined ? { tool_choice: toolChoice } : {}) });
  assert.deepEqual(withChoice(undefined), { inferenceConfig: {}, messages: [], toolConfig: { tools: expectedTools } });
  assert.deepEqual(withChoice('auto'), { inferenceConfig: {}, messages: [], toolConfig: { tools: expectedTools, toolChoice: { auto: {} } } });
  assert.deepEqual(withChoice('required'), { inferenceConfig: {}, messages: [], toolConfig: { tools: expectedTools, toolChoice: { any: {} } } });
  assert.deepEqual(withChoice({ type: 'function', function: { name: 'clock' } }), {
    inferenceConfig: {},
    messages: [],
    toolConfig: { tools: expectedTools, toolChoice: { tool: { name: 'clock' } } },
  });
});

test('tool_choice none leaves the tools out, unless the conversation already holds tool calls', () => {
  assert.deepEqual(translate({ model: 'm', messages: [{ role: 'user', content: 'hi' }], tools: TOOLS, tool_choice: 'none' }), {
    inferenceConfig: {},
    messages: [{ role: 'user', content: [{ text: 'hi' }] }],
  });
  const withHistory = translate({
    model: 'm',
    messages: [
      { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'clock', arguments: '{}' } }] },
      { role: 'tool', tool_call_id: 'c', content: 'noon' },
    ],
    tools: TOOLS,
    tool_choice: 'none',
  });
  assert.ok(typeof withHistory === 'object' && withHistory !== null && 'toolConfig' in withHistory);
  assert.deepEqual(withHistory.toolConfig, {
    tools: [
      { toolSpec: { name: 'weather', description: 'Current weather', inputSchema: { json: TOOLS[0]?.function.parameters }, strict: true } },
      { toolSpec: { name: 'clock', inputSchema: { json: { type: 'object', properties: {} } } } },
    ],
  });
});

test('thinking, reasoning_effort and service_tier', () => {
  assert.deepEqual(
    translate({ model: 'm', messages: [], thinking: { type: 'enabled', budget_tokens: 2048 }, reasoning_effort: 'high', service_tier: 'priority' }),
    {
      inferenceConfig: {},
      messages: [],
      additionalModelRequestFields: { thinking: { type: 'enabled', budget_tokens: 2048 }, reasoning_config: 'high' },
      serviceTier: { type: 'priority' },
    },
  );
  assert.deepEqual(translate({ model: 'm', messages: [], service_tier: 'auto' }), { inferenceConfig: {}, messages: [] });
});

test('response_format: json_schema becomes structured output (schema as JSON text); json_object and text add nothing', () => {
  const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
  assert.deepEqual(
    translate({ model: 'm', messages: [], response_format: { type: 'json_schema', json_schema: { name: 'answer', description: 'The answer', schema, strict: true } } }),
    {
      inferenceConfig: {},
      messages: [],
      outputConfig: { textFormat: { type: 'json_schema', structure: { jsonSchema: { schema: JSON.stringify(schema), name: 'answer', description: 'The answer' } } } },
    },
  );
  assert.deepEqual(translate({ model: 'm', messages: [], response_format: { type: 'json_object' } }), { inferenceConfig: {}, messages: [] });
  assert.deepEqual(translate({ model: 'm', messages: [], response_format: { type: 'text' } }), { inferenceConfig: {}, messages: [] });
  assertRefused({ model: 'm', messages: [], response_format: { type: 'json_schema', json_schema: { name: 'x' } } }, /schema is required/);
});

test('n > 1 is refused: Converse answers with one choice', () => {
  assertRefused({ model: 'm', messages: [], n: 2 }, /^n 2/);
  assert.deepEqual(translate({ model: 'm', messages: [], n: 1 }), { inferenceConfig: {}, messages: [] });
});
