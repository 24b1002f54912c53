import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayError } from '../errors/gateway-error.js';
import type { JsonRecord } from '../../common/json-guards.js';
import { bodyOf, client, context, feed, parseSse } from '../../test/support/anthropic-test-support.js';
import { anthropicToAWSBedrock } from './anthropic-to-aws-bedrock.js';
import { encodeAwsEvent } from './aws-event-stream.js';

const MESSAGES = '/anthropic/v1/messages';

function translator(model = 'anthropic.claude-3-7-sonnet-20250219-v1:0') {
  return anthropicToAWSBedrock(context(MESSAGES, 'AWSBedrock', { model }));
}

test('request: Converse body with system, turns, tools, cache points and Claude fields in additionalModelRequestFields', () => {
  const t = translator('arn:aws:bedrock:us-east-1:1:inference-profile/us.anthropic.claude');
  const request = client(
    {
      model: 'x',
      max_tokens: 512,
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      stop_sequences: ['STOP'],
      stream: true,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      output_config: { effort: 'medium', format: { type: 'json_schema', schema: { type: 'object' } } },
      system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
      tools: [{ name: 'f', description: 'F', input_schema: { type: 'object', properties: { a: { type: 'number' } } }, cache_control: { type: 'ephemeral' } }],
      tool_choice: { type: 'any' },
      messages: [
        { role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'image', source: { type: 'base64', media_type: 'image/jpeg', data: 'AAAA' } }] },
        {
          role: 'assistant',
          content: [
            { type: 'thinking', thinking: 'hmm', signature: 'sig' },
            { type: 'redacted_thinking', data: 'enc' },
            { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } },
          ],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'ok', is_error: true, cache_control: { type: 'ephemeral' } }] },
        { role: 'user', content: 'more' },
      ],
    },
    { 'anthropic-beta': 'interleaved-thinking-2025-05-14,files-api-2025-04-14' },
  );
  const translated = t.request(request);
  assert.equal(translated.path, '/model/arn:aws:bedrock:us-east-1:1:inference-profile%2Fus.anthropic.claude/converse-stream');
  assert.deepEqual(translated.headers, [['content-type', 'application/json']]);
  assert.deepEqual(bodyOf(t, request), {
    inferenceConfig: { maxTokens: 512, temperature: 0.2, topP: 0.9, stopSequences: ['STOP'] },
    messages: [
      { role: 'user', content: [{ text: 'hi' }, { image: { format: 'jpeg', source: { bytes: 'AAAA' } } }] },
      {
        role: 'assistant',
        content: [
          { reasoningContent: { reasoningText: { text: 'hmm', signature: 'sig' } } },
          { reasoningContent: { redactedContent: 'enc' } },
          { toolUse: { toolUseId: 'toolu_1', name: 'f', input: { a: 1 } } },
        ],
      },
      { role: 'user', content: [{ toolResult: { toolUseId: 'toolu_1', content: [{ text: 'ok' }], status: 'error' } }, { cachePoint: { type: 'default' } }, { text: 'more' }] },
    ],
    system: [{ text: 'Be brief.' }, { cachePoint: { type: 'default' } }],
    toolConfig: {
      tools: [{ toolSpec: { name: 'f', description: 'F', inputSchema: { json: { type: 'object', properties: { a: { type: 'number' } } } } } }, { cachePoint: { type: 'default' } }],
      toolChoice: { any: {} },
    },
    additionalModelRequestFields: {
      thinking: { type: 'enabled', budget_tokens: 1024 },
      top_k: 40,
      output_config: { effort: 'medium' },
      anthropic_beta: ['interleaved-thinking-2025-05-14'],
    },
    outputConfig: { textFormat: { type: 'json_schema', structure: { jsonSchema: { schema: '{"type":"object"}', name: 'response' } } } },
  });
  assert.equal(t.request(client({ model: 'x', max_tokens: 1, messages: [] })).path, '/model/arn:aws:bedrock:us-east-1:1:inference-profile%2Fus.anthropic.claude/converse');
});

test('request: tool_choice none drops the tools unless the conversation used them; 422 for what Converse cannot carry', () => {
  const t = translator();
  const tools = [{ name: 'f', input_schema: { type: 'object' } }];
  assert.equal(bodyOf(t, client({ model: 'x', max_tokens: 1, messages: [], tools, tool_choice: { type: 'none' } })).toolConfig, undefined);
  const used = [{ role: 'assistant', content: [{ type: 'tool_use', id: 't', name: 'f', input: {} }] }];
  assert.deepEqual(bodyOf(t, client({ model: 'x', max_tokens: 1, messages: used, tools, tool_choice: { type: 'none' } })).toolConfig, { tools: [{ toolSpec: { name: 'f', inputSchema: { json: { type: 'object' } } } }] });
  const is422 = (json: JsonRecord, pattern: RegExp) =>
    assert.throws(() => t.request(client(json)), (error: unknown) => GatewayError.isInstance(error) && error.status === 422 && pattern.test(error.message));
  const base = { model: 'x', max_tokens: 1 };
  is422({ ...base, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] }] }, /base64/);
  is422({ ...base, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/bmp', data: 'A' } }] }] }, /image\/bmp/);
  is422({ ...base, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'A' } }] }] }, /plain-text documents/);
  is422({ ...base, messages: [], tools: [{ type: 'bash_20250124', name: 'bash' }] }, /bash_20250124/);
  is422({ ...base, messages: [], mcp_servers: [{}] }, /mcp_servers/);
  is422({ ...base, messages: [{ role: 'user', content: [{ type: 'tool_use', id: 'a', name: 'b', input: {} }] }] }, /tool_use/);
});

test('non-streaming: Converse output → Anthropic message with the request id and model', () => {
  const t = translator();
  t.request(client({ model: 'x', max_tokens: 10, messages: [] }));
  assert.deepEqual(t.responseHeaders(200, { 'content-type': 'application/json', 'x-amzn-requestid': 'req-1' }), { streaming: false });
  const converse = {
    output: {
      message: {
        role: 'assistant',
        content: [
          { reasoningContent: { reasoningText: { text: 'think', signature: 'sg' } } },
          { text: 'Hello' },
          { toolUse: { toolUseId: 'tu1', name: 'f', input: { a: 1 } } },
        ],
      },
    },
    stopReason: 'tool_use',
    usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15, cacheReadInputTokens: 4 },
  };
  const result = t.responseBody(Buffer.from(JSON.stringify(converse)), true);
  assert.deepEqual(JSON.parse(result.body?.toString() ?? ''), {
    id: 'req-1',
    type: 'message',
    role: 'assistant',
    model: 'anthropic.claude-3-7-sonnet-20250219-v1:0',
    content: [
      { type: 'thinking', thinking: 'think', signature: 'sg' },
      { type: 'text', text: 'Hello' },
      { type: 'tool_use', id: 'tu1', name: 'f', input: { a: 1 } },
    ],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 4 },
  });
  assert.deepEqual(result.usage, { inputTokens: 14, outputTokens: 5, totalTokens: 19, cachedInputTokens: 4 });
});

const CONVERSE_STREAM = Buffer.concat([
  encodeAwsEvent('messageStart', { role: 'assistant' }),
  encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: 'Think' } } }),
  encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { signature: 'sig' } } }),
  encodeAwsEvent('contentBlockStop', { contentBlockIndex: 0 }),
  encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 1, delta: { text: 'Hé' } }),
  encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 1, delta: { text: 'llo' } }),
  encodeAwsEvent('contentBlockStop', { contentBlockIndex: 1 }),
  encodeAwsEvent('contentBlockStart', { contentBlockIndex: 2, start: { toolUse: { toolUseId: 'tu1', name: 'f' } } }),
  encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 2, delta: { toolUse: { input: '{"a":' } } }),
  encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 2, delta: { toolUse: { input: '1}' } } }),
  encodeAwsEvent('contentBlockStop', { contentBlockIndex: 2 }),
  encodeAwsEvent('messageStop', { stopReason: 'tool_use' }),
  encodeAwsEvent('metadata', { usage: { inputTokens: 20, outputTokens: 8, totalTokens: 28 }, metrics: { latencyMs: 100 } }),
]);

const ev = (type: string, data: JsonRecord) => ({ event: type, data: { type, ...data } });
const EXPECTED = [
  ev('message_start', {
    message: { id: 'req-2', type: 'message', role: 'assistant', model: 'anthropic.claude-3-7-sonnet-20250219-v1:0', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } },
  }),
  ev('content_block_start', { index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } }),
  ev('content_block_delta', { index: 0, delta: { type: 'thinking_delta', thinking: 'Think' } }),
  ev('content_block_delta', { index: 0, delta: { type: 'signature_delta', signature: 'sig' } }),
  ev('content_block_stop', { index: 0 }),
  ev('content_block_start', { index: 1, content_block: { type: 'text', text: '' } }),
  ev('content_block_delta', { index: 1, delta: { type: 'text_delta', text: 'Hé' } }),
  ev('content_block_delta', { index: 1, delta: { type: 'text_delta', text: 'llo' } }),
  ev('content_block_stop', { index: 1 }),
  ev('content_block_start', { index: 2, content_block: { type: 'tool_use', id: 'tu1', name: 'f', input: {} } }),
  ev('content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: '{"a":' } }),
  ev('content_block_delta', { index: 2, delta: { type: 'input_json_delta', partial_json: '1}' } }),
  ev('content_block_stop', { index: 2 }),
  ev('message_delta', { delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { input_tokens: 20, output_tokens: 8 } }),
  ev('message_stop', {}),
];

test('streaming: Converse events → Anthropic events (usage waits for metadata), at any chunk boundary', () => {
  for (const size of [1, 9, 100000]) {
    const t = translator();
    t.request(client({ model: 'x', max_tokens: 10, stream: true, messages: [] }));
    assert.deepEqual(t.responseHeaders(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'req-2' }), { streaming: true, set: [['content-type', 'text/event-stream']] });
    const { text, last } = feed(t, CONVERSE_STREAM, size);
    assert.deepEqual(parseSse(text), EXPECTED, `size ${size}`);
    assert.deepEqual(last.usage, { inputTokens: 20, outputTokens: 8, totalTokens: 28 });
  }
});

test('streaming: the same stream without contentBlockIndex gives the same blocks; a second tool call is a block of its own', () => {
  const unindexed = (type: string, payload: JsonRecord) => encodeAwsEvent(type, payload);
  const stream = Buffer.concat([
    unindexed('messageStart', { role: 'assistant' }),
    unindexed('contentBlockDelta', { delta: { reasoningContent: { text: 'Think' } } }),
    unindexed('contentBlockDelta', { delta: { reasoningContent: { signature: 'sig' } } }),
    unindexed('contentBlockStop', {}),
    unindexed('contentBlockDelta', { delta: { text: 'Hé' } }),
    unindexed('contentBlockDelta', { delta: { text: 'llo' } }),
    unindexed('contentBlockStop', {}),
    unindexed('contentBlockStart', { start: { toolUse: { toolUseId: 'tu1', name: 'f' } } }),
    unindexed('contentBlockDelta', { delta: { toolUse: { input: '{"a":' } } }),
    unindexed('contentBlockDelta', { delta: { toolUse: { input: '1}' } } }),
    unindexed('contentBlockStop', {}),
    unindexed('messageStop', { stopReason: 'tool_use' }),
    unindexed('metadata', { usage: { inputTokens: 20, outputTokens: 8, totalTokens: 28 } }),
  ]);
  const t = translator();
  t.request(client({ model: 'x', max_tokens: 10, stream: true, messages: [] }));
  t.responseHeaders(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': 'req-2' });
  assert.deepEqual(parseSse(feed(t, stream, 13).text), EXPECTED);

  // Two tool calls back to back, neither indexed nor stopped in between.
  const twoCalls = Buffer.concat([
    unindexed('messageStart', { role: 'assistant' }),
    unindexed('contentBlockStart', { start: { toolUse: { toolUseId: 'tu1', name: 'f' } } }),
    unindexed('contentBlockDelta', { delta: { toolUse: { input: '{}' } } }),
    unindexed('contentBlockStart', { start: { toolUse: { toolUseId: 'tu2', name: 'g' } } }),
    unindexed('contentBlockDelta', { delta: { toolUse: { input: '{"b":2}' } } }),
    unindexed('messageStop', { stopReason: 'tool_use' }),
  ]);
  const two = translator();
  two.request(client({ model: 'x', max_tokens: 10, stream: true, messages: [] }));
  two.responseHeaders(200, { 'content-type': 'application/vnd.amazon.eventstream' });
  const blocks = parseSse(feed(two, twoCalls, 50).text).filter((event) => event.event === 'content_block_start' || event.event === 'content_block_delta');
  assert.deepEqual(
    blocks.map((event) => event.data),
    [
      { type: 'content_block_start', index: 0, content_block: { type: 'tool_use', id: 'tu1', name: 'f', input: {} } },
      { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: '{}' } },
      { type: 'content_block_start', index: 1, content_block: { type: 'tool_use', id: 'tu2', name: 'g', input: {} } },
      { type: 'content_block_delta', index: 1, delta: { type: 'input_json_delta', partial_json: '{"b":2}' } },
    ],
  );
});

test('streaming: an exception frame is an error event; a cut frame or a stream without messageStop ends with one', () => {
  const t = translator();
  t.responseHeaders(200, { 'content-type': 'application/vnd.amazon.eventstream' });
  const frames = [encodeAwsEvent('messageStart', { role: 'assistant' }), encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'x' } })];
  const events = parseSse(feed(t, Buffer.concat([...frames, encodeAwsEvent('throttlingException', { message: 'slow down' }, 'exception')]), 7).text);
  assert.deepEqual(events.at(-1), { event: 'error', data: { type: 'error', error: { type: 'rate_limit_error', message: 'throttlingException: slow down' } } });

  const cut = translator();
  cut.responseHeaders(200, { 'content-type': 'application/vnd.amazon.eventstream' });
  assert.equal(parseSse(feed(cut, CONVERSE_STREAM.subarray(0, CONVERSE_STREAM.length - 5), 50).text).at(-1)?.event, 'error');

  const noStop = translator();
  noStop.responseHeaders(200, { 'content-type': 'application/vnd.amazon.eventstream' });
  assert.equal(parseSse(feed(noStop, Buffer.concat(frames), 50).text).at(-1)?.event, 'error');

  // messageStop without metadata: the message still closes at the end, usage unknown.
  const noMetadata = translator();
  noMetadata.responseHeaders(200, { 'content-type': 'application/vnd.amazon.eventstream' });
  const result = feed(noMetadata, Buffer.concat([...frames, encodeAwsEvent('messageStop', { stopReason: 'end_turn' })]), 50);
  const closing = parseSse(result.text);
  assert.deepEqual(
    closing.map((event) => event.event),
    ['message_start', 'content_block_start', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop'],
  );
  assert.deepEqual(result.last.usage, {});
});

test('errors: Bedrock errors in Anthropic shape', () => {
  const t = translator();
  t.responseHeaders(429, { 'x-amzn-errortype': 'ThrottlingException' });
  assert.deepEqual(JSON.parse(t.responseError(429, Buffer.from('{"message":"Too many requests"}')).body?.toString() ?? ''), {
    type: 'error',
    error: { type: 'rate_limit_error', message: 'Too many requests' },
  });
  assert.throws(() => t.responseBody(Buffer.from('{}'), true), /output\.message/);
});
