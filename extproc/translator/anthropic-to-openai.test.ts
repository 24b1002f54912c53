import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayError } from '../errors/gateway-error.js';
import type { JsonRecord } from '../../common/json-guards.js';
import { bodyOf, client, context, feed, parseSse } from '../../test/support/anthropic-test-support.js';
import { anthropicToOpenAI } from './anthropic-to-openai.js';

const MESSAGES = '/anthropic/v1/messages';

function translator(options: { override?: string; prefix?: string } = {}) {
  return anthropicToOpenAI(context(MESSAGES, 'OpenAI', { model: 'gpt-4o', ...options }));
}

test('request: path from the prefix, model override, system, tools and tool results as OpenAI messages', () => {
  const t = translator({ override: 'gpt-4.1', prefix: 'v1beta/openai' });
  const request = client({
    model: 'gpt-4o',
    max_tokens: 256,
    stream: true,
    system: [
      { type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } },
      { type: 'text', text: 'Be kind.' },
    ],
    temperature: 0.3,
    top_p: 0.8,
    top_k: 5,
    stop_sequences: ['END'],
    metadata: { user_id: 'u1' },
    thinking: { type: 'enabled', budget_tokens: 1024 },
    output_config: { effort: 'high', format: { type: 'json_schema', schema: { type: 'object' } } },
    tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: {} } }],
    tool_choice: { type: 'any', disable_parallel_tool_use: true },
    messages: [
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Weather?' },
          { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
          { type: 'image', source: { type: 'url', url: 'https://example.com/a.png' } },
          { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' }, title: 'report.pdf' },
          { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'plain doc' } },
        ],
      },
      {
        role: 'assistant',
        content: [
          { type: 'thinking', thinking: 'hmm', signature: 's' },
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } },
        ],
      },
      {
        role: 'user',
        content: [
          { type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'sunny' }] },
          { type: 'text', text: 'And tomorrow?' },
        ],
      },
      { role: 'assistant', content: 'Maybe.' },
    ],
  });
  assert.equal(t.request(request).path, '/v1beta/openai/chat/completions');
  assert.deepEqual(bodyOf(t, request), {
    model: 'gpt-4.1',
    messages: [
      { role: 'system', content: 'Be brief.\nBe kind.' },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'Weather?' },
          { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
          { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
          { type: 'file', file: { filename: 'report.pdf', file_data: 'data:application/pdf;base64,JVBE' } },
          { type: 'text', text: 'plain doc' },
        ],
      },
      { role: 'assistant', content: 'Checking.', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'toolu_1', content: [{ type: 'text', text: 'sunny' }] },
      { role: 'user', content: [{ type: 'text', text: 'And tomorrow?' }] },
      { role: 'assistant', content: 'Maybe.' },
    ],
    max_completion_tokens: 256,
    temperature: 0.3,
    top_p: 0.8,
    stop: ['END'],
    tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: {} } } }],
    tool_choice: 'required',
    parallel_tool_calls: false,
    user: 'u1',
    response_format: { type: 'json_schema', json_schema: { name: 'response', schema: { type: 'object' }, strict: true } },
    reasoning_effort: 'high',
    stream: true,
    stream_options: { include_usage: true },
  });
});

test('request: tool_choice variants; Anthropic-only features are 422s', () => {
  const t = translator();
  const tools = [{ name: 'f', input_schema: { type: 'object' } }];
  const choices: [unknown, unknown][] = [
    [{ type: 'auto' }, { tool_choice: 'auto' }],
    [{ type: 'none' }, { tool_choice: 'none' }],
    [{ type: 'tool', name: 'f' }, { tool_choice: { type: 'function', function: { name: 'f' } } }],
  ];
  for (const [choice, expected] of choices) {
    const body = bodyOf(t, client({ model: 'm', max_tokens: 1, messages: [], tools, tool_choice: choice }));
    assert.deepEqual({ tool_choice: body.tool_choice }, expected);
  }
  const is422 = (json: JsonRecord, pattern: RegExp) =>
    assert.throws(() => t.request(client(json)), (error: unknown) => GatewayError.isInstance(error) && error.status === 422 && pattern.test(error.message));
  const base = { model: 'm', max_tokens: 1 };
  is422({ ...base, messages: [], tools: [{ type: 'web_search_20250305', name: 'web_search' }] }, /web_search_20250305/);
  is422({ ...base, messages: [], mcp_servers: [{ url: 'https://x' }] }, /mcp_servers/);
  is422({ ...base, messages: [{ role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'image', source: {} }] }] }] }, /text only/);
  is422({ ...base, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'file', file_id: 'f' } }] }] }, /base64 and url/);
  is422({ ...base, messages: [{ role: 'assistant', content: [{ type: 'server_tool_use', id: 's', name: 'web_search', input: {} }] }] }, /server_tool_use/);
});

test('non-streaming: chat.completion → Anthropic message; usage split back into input and cache reads', () => {
  const t = translator();
  t.request(client({ model: 'gpt-4o', max_tokens: 10, messages: [] }));
  assert.deepEqual(t.responseHeaders(200, { 'content-type': 'application/json' }), { streaming: false });
  const completion = {
    id: 'chatcmpl-1',
    object: 'chat.completion',
    model: 'gpt-4o-2024-08-06',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: 'Hi', reasoning_content: 'think', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }] },
        finish_reason: 'tool_calls',
      },
    ],
    usage: { prompt_tokens: 20, completion_tokens: 7, total_tokens: 27, prompt_tokens_details: { cached_tokens: 8 } },
  };
  const result = t.responseBody(Buffer.from(JSON.stringify(completion)), true);
  assert.deepEqual(JSON.parse(result.body?.toString() ?? ''), {
    id: 'chatcmpl-1',
    type: 'message',
    role: 'assistant',
    model: 'gpt-4o-2024-08-06',
    content: [
      { type: 'thinking', thinking: 'think', signature: '' },
      { type: 'text', text: 'Hi' },
      { type: 'tool_use', id: 'call_1', name: 'f', input: { a: 1 } },
    ],
    stop_reason: 'tool_use',
    stop_sequence: null,
    usage: { input_tokens: 12, output_tokens: 7, cache_read_input_tokens: 8 },
  });
  assert.deepEqual(result.usage, { inputTokens: 20, outputTokens: 7, totalTokens: 27, cachedInputTokens: 8 });
  assert.equal(result.responseModel, 'gpt-4o-2024-08-06');
});

function openAISse(chunks: unknown[]): Buffer {
  return Buffer.from([...chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`), 'data: [DONE]\n\n'].join(''));
}

const head = { id: 'chatcmpl-2', object: 'chat.completion.chunk', created: 1, model: 'gpt-4o-mini' };
const delta = (d: unknown, finish: string | null = null) => ({ ...head, choices: [{ index: 0, delta: d, finish_reason: finish }] });
const OPENAI_CHUNKS = [
  delta({ role: 'assistant', content: '' }),
  delta({ reasoning_content: 'Think' }),
  delta({ content: 'Hé' }),
  delta({ content: 'llo' }),
  delta({ tool_calls: [{ index: 0, id: 'call_a', type: 'function', function: { name: 'a', arguments: '' } }] }),
  delta({ tool_calls: [{ index: 0, function: { arguments: '{"x":' } }] }),
  delta({ tool_calls: [{ index: 0, function: { arguments: '1}' } }] }),
  delta({ tool_calls: [{ index: 1, id: 'call_b', type: 'function', function: { name: 'b', arguments: '{}' } }] }),
  delta({}, 'tool_calls'),
  { ...head, choices: [], usage: { prompt_tokens: 9, completion_tokens: 4, total_tokens: 13 } },
];

const EXPECTED_EVENTS = [
  {
    event: 'message_start',
    data: {
      type: 'message_start',
      message: { id: 'chatcmpl-2', type: 'message', role: 'assistant', model: 'gpt-4o-mini', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } },
    },
  },
  { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } } },
  { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Think' } } },
  { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
  { event: 'content_block_start', data: { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } } },
  { event: 'content_block_delta', data: { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Hé' } } },
  { event: 'content_block_delta', data: { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'llo' } } },
  { event: 'content_block_stop', data: { type: 'content_block_stop', index: 1 } },
  { event: 'content_block_start', data: { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'call_a', name: 'a', input: {} } } },
  { event: 'content_block_delta', data: { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"x":' } } },
  { event: 'content_block_delta', data: { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '1}' } } },
  { event: 'content_block_stop', data: { type: 'content_block_stop', index: 2 } },
  { event: 'content_block_start', data: { type: 'content_block_start', index: 3, content_block: { type: 'tool_use', id: 'call_b', name: 'b', input: {} } } },
  { event: 'content_block_delta', data: { type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '{}' } } },
  { event: 'content_block_stop', data: { type: 'content_block_stop', index: 3 } },
  { event: 'message_delta', data: { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { input_tokens: 9, output_tokens: 4 } } },
  { event: 'message_stop', data: { type: 'message_stop' } },
];

test('streaming: chunks → Anthropic events in order with block indices, at any chunk boundary', () => {
  for (const size of [1, 5, 33, 100000]) {
    const t = translator();
    t.request(client({ model: 'gpt-4o', max_tokens: 10, stream: true, messages: [] }));
    assert.deepEqual(t.responseHeaders(200, { 'content-type': 'text/event-stream' }), { streaming: true, set: [['content-type', 'text/event-stream']] });
    const { text, last } = feed(t, openAISse(OPENAI_CHUNKS), size);
    assert.deepEqual(parseSse(text), EXPECTED_EVENTS, `size ${size}`);
    assert.deepEqual(last.usage, { inputTokens: 9, outputTokens: 4, totalTokens: 13 });
    assert.equal(last.responseModel, 'gpt-4o-mini');
  }
});

test('streaming: a backend error object becomes an error event; a cut stream ends with one; no usage stays unknown', () => {
  const t = translator();
  t.request(client({ model: 'gpt-4o', max_tokens: 10, stream: true, messages: [] }));
  t.responseHeaders(200, { 'content-type': 'text/event-stream' });
  const errored = Buffer.from(`data: ${JSON.stringify(OPENAI_CHUNKS[2])}\n\ndata: {"error":{"message":"boom","type":"server_error"}}\n\n`);
  const events = parseSse(feed(t, errored, 7).text);
  assert.deepEqual(events.at(-1), { event: 'error', data: { type: 'error', error: { type: 'api_error', message: 'boom' } } });

  const cut = translator();
  cut.request(client({ model: 'gpt-4o', max_tokens: 10, stream: true, messages: [] }));
  cut.responseHeaders(200, { 'content-type': 'text/event-stream' });
  const cutResult = feed(cut, Buffer.from(`data: ${JSON.stringify(OPENAI_CHUNKS[2])}\n\n`), 1000);
  assert.equal(parseSse(cutResult.text).at(-1)?.event, 'error');
  assert.deepEqual(cutResult.last.usage, {});
});

test('errors: OpenAI JSON errors and plain text take Anthropic error shape by status', () => {
  const t = translator();
  t.responseHeaders(401, { 'content-type': 'application/json' });
  assert.deepEqual(JSON.parse(t.responseError(401, Buffer.from('{"error":{"message":"bad key","type":"invalid_request_error"}}')).body?.toString() ?? ''), {
    type: 'error',
    error: { type: 'authentication_error', message: 'bad key' },
  });
  assert.deepEqual(JSON.parse(t.responseError(503, Buffer.from('down')).body?.toString() ?? ''), { type: 'error', error: { type: 'service_unavailable_error', message: 'down' } });
});
