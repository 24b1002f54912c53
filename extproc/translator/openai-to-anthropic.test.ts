import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GatewayError } from '../errors/gateway-error.js';
import { isRecord } from '../../common/json-guards.js';
import { anthropicSse, bedrockChunks, bodyOf, client, context, feed, parseSse, STREAM_EVENTS } from '../../test/support/anthropic-test-support.js';
import { encodeAwsEvent } from './aws-event-stream.js';
import { openAIToAnthropic, openAIToAWSAnthropic, openAIToGCPAnthropic } from './openai-to-anthropic.js';

const CHAT = '/v1/chat/completions';

function rejects422(run: () => unknown, pattern: RegExp): void {
  assert.throws(run, (error: unknown) => GatewayError.isInstance(error) && error.status === 422 && pattern.test(error.message));
}

test('Anthropic: path from the prefix, model (override) and stream in the body, anthropic-version only when the client sent none', () => {
  const translator = openAIToAnthropic(context(CHAT, 'Anthropic', { model: 'claude', override: 'claude-opus-4-1' }));
  const request = client({ model: 'claude', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  const translated = translator.request(request);
  assert.equal(translated.path, '/v1/messages');
  assert.deepEqual(translated.headers, [['anthropic-version', '2023-06-01']]);
  assert.deepEqual(bodyOf(translator, request), { max_tokens: 4096, messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], model: 'claude-opus-4-1', stream: true });

  const own = openAIToAnthropic(context(CHAT, 'Anthropic', { prefix: 'api/v2/' }));
  const withVersion = own.request(client({ model: 'claude', messages: [] }, { 'anthropic-version': '2024-01-01' }));
  assert.equal(withVersion.path, '/api/v2/messages');
  assert.equal(withVersion.headers, undefined);
  assert.equal(own.needsBody, true);
});

test('messages: system hoisted, images and PDFs as sources, tool calls and consecutive tool results merged into one user turn', () => {
  const body = bodyOf(
    openAIToAnthropic(context(CHAT, 'Anthropic')),
    client({
      model: 'claude',
      max_completion_tokens: 100,
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look', cache_control: { type: 'ephemeral' } },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
            { type: 'image_url', image_url: { url: 'data:application/pdf;base64,JVBE' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          thinking_blocks: [{ type: 'thinking', thinking: 'hmm', signature: 'sig' }],
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'a', arguments: '{"x":1}' } },
            { id: 'call_2', type: 'function', function: { name: 'b', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: 'one' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: 'two', cache_control: { type: 'ephemeral' } }] },
        { role: 'developer', content: 'Also polite.' },
        { role: 'user', content: 'thanks' },
        { role: 'assistant', content: '' },
      ],
    }),
  );
  assert.deepEqual(body.system, [
    { type: 'text', text: 'Be brief.' },
    { type: 'text', text: 'Also polite.' },
  ]);
  assert.equal(body.max_tokens, 100);
  assert.deepEqual(body.messages, [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'look', cache_control: { type: 'ephemeral' } },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } },
        { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
        { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBE' } },
      ],
    },
    {
      role: 'assistant',
      content: [
        { type: 'thinking', thinking: 'hmm', signature: 'sig' },
        { type: 'tool_use', id: 'call_1', name: 'a', input: { x: 1 } },
        { type: 'tool_use', id: 'call_2', name: 'b', input: {} },
      ],
    },
    {
      role: 'user',
      content: [
        { type: 'tool_result', tool_use_id: 'call_1', content: 'one' },
        { type: 'tool_result', tool_use_id: 'call_2', content: [{ type: 'text', text: 'two', cache_control: { type: 'ephemeral' } }] },
        { type: 'text', text: 'thanks' },
      ],
    },
  ]);
});

test('tools, tool_choice and parallel_tool_calls', () => {
  const translator = openAIToAnthropic(context(CHAT, 'Anthropic'));
  const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: true } }];
  const body = bodyOf(translator, client({ model: 'c', messages: [], tools, tool_choice: 'required', parallel_tool_calls: false }));
  assert.deepEqual(body.tools, [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } }, description: 'Weather', strict: true }]);
  assert.deepEqual(body.tool_choice, { type: 'any', disable_parallel_tool_use: true });
  const cases: [unknown, boolean | undefined, unknown][] = [
    ['auto', undefined, { type: 'auto' }],
    ['none', false, { type: 'none' }],
    [{ type: 'function', function: { name: 'get_weather' } }, undefined, { type: 'tool', name: 'get_weather' }],
    [undefined, false, { type: 'auto', disable_parallel_tool_use: true }],
    [undefined, true, undefined],
  ];
  for (const [choice, parallel, expected] of cases) {
    const json = { model: 'c', messages: [], tools, ...(choice !== undefined ? { tool_choice: choice } : {}), ...(parallel !== undefined ? { parallel_tool_calls: parallel } : {}) };
    assert.deepEqual(bodyOf(translator, client(json)).tool_choice, expected, JSON.stringify(choice));
  }
  // A function tool without parameters still needs an input schema for Anthropic.
  assert.deepEqual(bodyOf(translator, client({ model: 'c', messages: [], tools: [{ type: 'function', function: { name: 'now' } }] })).tools, [{ name: 'now', input_schema: { type: 'object', properties: {} } }]);
});

test('sampling, stop, thinking (max_tokens leaves room for the budget), structured output and effort', () => {
  const translator = openAIToAnthropic(context(CHAT, 'Anthropic'));
  const body = bodyOf(
    translator,
    client({
      model: 'c',
      messages: [],
      temperature: 0.5,
      top_p: 0.9,
      stop: 'END',
      thinking: { type: 'enabled', budget_tokens: 8000 },
      reasoning_effort: 'minimal',
      response_format: { type: 'json_schema', json_schema: { name: 'r', schema: { type: 'object', properties: {} } } },
    }),
  );
  assert.equal(body.temperature, 0.5);
  assert.equal(body.top_p, 0.9);
  assert.deepEqual(body.stop_sequences, ['END']);
  assert.deepEqual(body.thinking, { type: 'enabled', budget_tokens: 8000 });
  assert.equal(body.max_tokens, 12096);
  assert.deepEqual(body.output_config, { format: { type: 'json_schema', schema: { type: 'object', properties: {} } }, effort: 'low' });
  assert.equal(bodyOf(translator, client({ model: 'c', messages: [], reasoning_effort: 'none', response_format: { type: 'text' } })).output_config, undefined);
});

test('requests Anthropic cannot express are 422s', () => {
  const translator = openAIToAnthropic(context(CHAT, 'Anthropic'));
  const base = { model: 'c', messages: [{ role: 'user', content: 'x' }] };
  rejects422(() => translator.request(client({ ...base, temperature: 1.5 })), /temperature 1.5/);
  rejects422(() => translator.request(client({ ...base, n: 2 })), /n=2/);
  rejects422(() => translator.request(client({ ...base, logprobs: true })), /logprobs/);
  rejects422(() => translator.request(client({ ...base, response_format: { type: 'json_object' } })), /json_object/);
  rejects422(() => translator.request(client({ ...base, response_format: { type: 'json_schema', json_schema: { name: 'x' } } })), /schema/);
  rejects422(() => translator.request(client({ ...base, reasoning_effort: 'extreme' })), /reasoning_effort/);
  rejects422(() => translator.request(client({ model: 'c', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/bmp;base64,AA' } }] }] })), /image\/bmp/);
  rejects422(() => translator.request(client({ model: 'c', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }] }] })), /http/);
  rejects422(
    () => translator.request(client({ model: 'c', messages: [{ role: 'assistant', tool_calls: [{ id: '1', type: 'function', function: { name: 'f', arguments: '[1]' } }] }] })),
    /JSON object/,
  );
});

test('AWSAnthropic: escaped model path, bedrock anthropic_version, no model or stream, allowed beta flags only', () => {
  const arn = 'arn:aws:bedrock:us-east-1:123:inference-profile/us.anthropic.claude-3-7';
  const translator = openAIToAWSAnthropic(context(CHAT, 'AWSAnthropic', { model: arn }));
  const request = client({ model: arn, stream: true, messages: [{ role: 'user', content: 'hi' }] }, { 'anthropic-beta': 'prompt-caching-2024-07-31, interleaved-thinking-2025-05-14,interleaved-thinking-2025-05-14' });
  const translated = translator.request(request);
  assert.equal(translated.path, '/model/arn:aws:bedrock:us-east-1:123:inference-profile%2Fus.anthropic.claude-3-7/invoke-with-response-stream');
  assert.equal(translated.headers, undefined);
  const body = bodyOf(translator, request);
  assert.equal(body.anthropic_version, 'bedrock-2023-05-31');
  assert.deepEqual(body.anthropic_beta, ['interleaved-thinking-2025-05-14']);
  assert.equal('model' in body, false);
  assert.equal('stream' in body, false);

  const versioned = openAIToAWSAnthropic(context(CHAT, 'AWSAnthropic', { version: 'bedrock-2099-01-01' }));
  const plain = client({ model: 'c', messages: [] });
  assert.equal(versioned.request(plain).path, '/model/claude-sonnet-4-5/invoke');
  assert.equal(bodyOf(versioned, plain).anthropic_version, 'bedrock-2099-01-01');
  assert.equal('anthropic_beta' in bodyOf(versioned, plain), false);
});

test('GCPAnthropic: relative rawPredict paths, vertex anthropic_version, stream kept in the body', () => {
  const translator = openAIToGCPAnthropic(context(CHAT, 'GCPAnthropic', { model: 'claude-3-5-sonnet@20240620' }));
  const streamed = client({ model: 'x', stream: true, messages: [] });
  assert.equal(translator.request(streamed).path, 'publishers/anthropic/models/claude-3-5-sonnet@20240620:streamRawPredict');
  assert.deepEqual(bodyOf(translator, streamed), { max_tokens: 4096, messages: [], anthropic_version: 'vertex-2023-10-16', stream: true });
  assert.equal(translator.request(client({ model: 'x', messages: [] })).path, 'publishers/anthropic/models/claude-3-5-sonnet@20240620:rawPredict');
});

test('non-streaming: message → chat.completion with unified usage and mapped finish reason', () => {
  const translator = openAIToAnthropic(context(CHAT, 'Anthropic'));
  translator.request(client({ model: 'c', messages: [] }));
  assert.deepEqual(translator.responseHeaders(200, { 'content-type': 'application/json' }), { streaming: false });
  const message = {
    id: 'msg_1',
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-4-5-20250929',
    content: [
      { type: 'thinking', thinking: 'why', signature: 's' },
      { type: 'redacted_thinking', data: 'xx' },
      { type: 'text', text: 'Hello' },
      { type: 'tool_use', id: 'toolu_1', name: 'f', input: { a: 1 } },
    ],
    stop_reason: 'tool_use',
    usage: { input_tokens: 10, output_tokens: 5, cache_read_input_tokens: 3, cache_creation_input_tokens: 2 },
  };
  const result = translator.responseBody(Buffer.from(JSON.stringify(message)), true);
  assert.deepEqual(result.usage, { inputTokens: 15, outputTokens: 5, totalTokens: 20, cachedInputTokens: 3, cacheCreationInputTokens: 2 });
  assert.equal(result.responseModel, 'claude-sonnet-4-5-20250929');
  assert.ok(result.body);
  const chat: unknown = JSON.parse(result.body.toString('utf8'));
  assert.ok(isRecord(chat));
  assert.deepEqual({ ...chat, created: 0 }, {
    id: 'msg_1',
    object: 'chat.completion',
    created: 0,
    model: 'claude-sonnet-4-5-20250929',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: 'Hello',
          tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
          reasoning_content: 'why',
          thinking_blocks: [
            { type: 'thinking', thinking: 'why', signature: 's' },
            { type: 'redacted_thinking', data: 'xx' },
          ],
        },
        finish_reason: 'tool_calls',
      },
    ],
    usage: { prompt_tokens: 15, completion_tokens: 5, total_tokens: 20, prompt_tokens_details: { cached_tokens: 3, cache_creation_input_tokens: 2 } },
  });
  assert.throws(() => openAIToAnthropic(context(CHAT, 'Anthropic')).responseBody(Buffer.from('<html>'), true), /not JSON/);
});

test('non-streaming: unknown usage stays unknown; stop reasons map', () => {
  for (const [stopReason, finish] of [
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'stop'],
  ]) {
    const translator = openAIToAnthropic(context(CHAT, 'Anthropic'));
    translator.request(client({ model: 'c', messages: [] }));
    translator.responseHeaders(200, { 'content-type': 'application/json' });
    const result = translator.responseBody(Buffer.from(JSON.stringify({ type: 'message', content: [], stop_reason: stopReason })), true);
    assert.deepEqual(result.usage, {});
    assert.equal(result.responseModel, 'claude-sonnet-4-5');
    assert.match(result.body?.toString() ?? '', new RegExp(`"finish_reason":"${finish}"`));
    assert.match(result.body?.toString() ?? '', /"content":null/);
  }
});

/** The chunks of a translated stream with volatile fields cleared. */
function chunks(text: string): unknown[] {
  return parseSse(text).map(({ data }) => (isRecord(data) && 'created' in data ? { ...data, created: 0 } : data));
}

const EXPECTED_CHUNKS = (includeUsage: boolean): unknown[] => {
  const head = { id: 'msg_1', object: 'chat.completion.chunk', created: 0, model: 'claude-sonnet-4-5-20250929' };
  const delta = (d: unknown, finish: string | null = null) => ({ ...head, choices: [{ index: 0, delta: d, finish_reason: finish }] });
  return [
    delta({ role: 'assistant', content: '' }),
    delta({ reasoning_content: 'Let me think' }),
    delta({ thinking_blocks: [{ type: 'thinking', signature: 'sig==' }] }),
    delta({ content: 'Héllo ' }),
    delta({ content: 'world' }),
    delta({ tool_calls: [{ index: 0, id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }),
    delta({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
    delta({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
    delta({}, 'tool_calls'),
    ...(includeUsage ? [{ ...head, choices: [], usage: { prompt_tokens: 15, completion_tokens: 42, total_tokens: 57, prompt_tokens_details: { cached_tokens: 5, cache_creation_input_tokens: 0 } } }] : []),
    '[DONE]',
  ];
};

test('streaming SSE → chunks, identical at any chunk boundary, usage chunk only with include_usage', () => {
  for (const size of [1, 3, 7, 64, 100000]) {
    for (const includeUsage of [true, false]) {
      const translator = openAIToAnthropic(context(CHAT, 'Anthropic'));
      translator.request(client({ model: 'c', stream: true, ...(includeUsage ? { stream_options: { include_usage: true } } : {}), messages: [] }));
      assert.deepEqual(translator.responseHeaders(200, { 'content-type': 'text/event-stream; charset=utf-8' }), { streaming: true, set: [['content-type', 'text/event-stream']] });
      const { text, last } = feed(translator, anthropicSse(STREAM_EVENTS), size);
      assert.deepEqual(chunks(text), EXPECTED_CHUNKS(includeUsage), `size ${size}`);
      assert.deepEqual(last.usage, { inputTokens: 15, outputTokens: 42, totalTokens: 57, cachedInputTokens: 5, cacheCreationInputTokens: 0 });
      assert.equal(last.responseModel, 'claude-sonnet-4-5-20250929');
    }
  }
});

test('streaming usage is cumulative: input known after message_start, output updated by message_delta', () => {
  const translator = openAIToAnthropic(context(CHAT, 'Anthropic'));
  translator.request(client({ model: 'c', stream: true, messages: [] }));
  translator.responseHeaders(200, { 'content-type': 'text/event-stream' });
  const [start] = STREAM_EVENTS;
  assert.ok(start);
  assert.deepEqual(translator.responseBody(anthropicSse([start]), false).usage, { inputTokens: 15, outputTokens: 1, totalTokens: 16, cachedInputTokens: 5, cacheCreationInputTokens: 0 });
  const delta = { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 9, input_tokens: 0 } };
  assert.deepEqual(translator.responseBody(anthropicSse([delta]), false).usage, { inputTokens: 15, outputTokens: 9, totalTokens: 24, cachedInputTokens: 5, cacheCreationInputTokens: 0 });
});

test('AWSAnthropic streaming: event-stream chunks unwrapped at any boundary; an exception frame becomes an error, never dropped', () => {
  const stream = bedrockChunks(STREAM_EVENTS);
  for (const size of [1, 13, 100000]) {
    const translator = openAIToAWSAnthropic(context(CHAT, 'AWSAnthropic'));
    translator.request(client({ model: 'c', stream: true, stream_options: { include_usage: true }, messages: [] }));
    assert.equal(translator.responseHeaders(200, { 'content-type': 'application/vnd.amazon.eventstream' }).streaming, true);
    assert.deepEqual(chunks(feed(translator, stream, size).text), EXPECTED_CHUNKS(true));
  }

  const translator = openAIToAWSAnthropic(context(CHAT, 'AWSAnthropic'));
  translator.request(client({ model: 'c', stream: true, messages: [] }));
  translator.responseHeaders(200, { 'content-type': 'application/vnd.amazon.eventstream' });
  const broken = Buffer.concat([bedrockChunks(STREAM_EVENTS.slice(0, 8)), encodeAwsEvent('throttlingException', { message: 'Too many tokens' }, 'exception')]);
  const out = chunks(feed(translator, broken, 5).text);
  assert.deepEqual(out.at(-1), { type: 'error', error: { type: 'rate_limit_error', code: '429', message: 'throttlingException: Too many tokens' } });
  assert.equal(out.includes('[DONE]'), false);
});

test('a provider error event mid-stream is relayed; a stream cut before the message ends gets an error', () => {
  const translator = openAIToGCPAnthropic(context(CHAT, 'GCPAnthropic'));
  translator.request(client({ model: 'c', stream: true, messages: [] }));
  translator.responseHeaders(200, { 'content-type': 'text/event-stream' });
  const text = feed(translator, anthropicSse([...STREAM_EVENTS.slice(0, 8), { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }]), 10).text;
  assert.deepEqual(chunks(text).at(-1), { type: 'error', error: { type: 'overloaded_error', code: '529', message: 'Overloaded' } });

  const cut = openAIToAnthropic(context(CHAT, 'Anthropic'));
  cut.request(client({ model: 'c', stream: true, messages: [] }));
  cut.responseHeaders(200, { 'content-type': 'text/event-stream' });
  const cutOut = chunks(feed(cut, anthropicSse(STREAM_EVENTS.slice(0, 9)), 10).text);
  assert.deepEqual(cutOut.at(-1), { type: 'error', error: { type: 'api_error', code: '500', message: 'the provider stream ended before the message was complete' } });

  // Ending right after message_delta (no message_stop) is a complete message.
  const early = openAIToAnthropic(context(CHAT, 'Anthropic'));
  early.request(client({ model: 'c', stream: true, messages: [] }));
  early.responseHeaders(200, { 'content-type': 'text/event-stream' });
  assert.equal(chunks(feed(early, anthropicSse(STREAM_EVENTS.slice(0, -1)), 10).text).at(-1), '[DONE]');
});

test('errors: Anthropic JSON keeps its type and message; non-JSON gets the backend type; Bedrock uses x-amzn-errortype', () => {
  const anthropic = openAIToAnthropic(context(CHAT, 'Anthropic'));
  anthropic.responseHeaders(429, { 'content-type': 'application/json' });
  const limited = anthropic.responseError(429, Buffer.from('{"type":"error","error":{"type":"rate_limit_error","message":"slow down"}}'));
  assert.deepEqual(JSON.parse(limited.body?.toString() ?? ''), { type: 'error', error: { type: 'rate_limit_error', code: '429', message: 'slow down' } });
  assert.equal(limited.contentType, 'application/json');
  const html = anthropic.responseError(502, Buffer.from('<html>bad gateway</html>'));
  assert.deepEqual(JSON.parse(html.body?.toString() ?? ''), { type: 'error', error: { type: 'AnthropicBackendError', code: '502', message: '<html>bad gateway</html>' } });

  const aws = openAIToAWSAnthropic(context(CHAT, 'AWSAnthropic'));
  aws.responseHeaders(400, { 'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/' });
  assert.deepEqual(JSON.parse(aws.responseError(400, Buffer.from('{"message":"bad input"}')).body?.toString() ?? ''), {
    type: 'error',
    error: { type: 'ValidationException', code: '400', message: 'bad input' },
  });
  assert.match(aws.responseError(503, Buffer.from('unavailable')).body?.toString() ?? '', /AWSBedrockBackendError/);

  const gcp = openAIToGCPAnthropic(context(CHAT, 'GCPAnthropic'));
  gcp.responseHeaders(403, {});
  assert.deepEqual(JSON.parse(gcp.responseError(403, Buffer.from('[{"error":{"code":403,"message":"denied","status":"PERMISSION_DENIED"}}]')).body?.toString() ?? ''), {
    type: 'error',
    error: { type: 'PERMISSION_DENIED', code: '403', message: 'denied' },
  });
  assert.match(gcp.responseError(500, Buffer.from('oops')).body?.toString() ?? '', /GCPBackendError/);
});
