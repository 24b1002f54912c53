import assert from 'node:assert/strict';
import { test } from 'node:test';
import OpenAI from 'openai';
import { findEndpoint } from '../request/endpoints.js';
import { isRecord, type JsonRecord } from '../../common/json-guards.js';
import { encodeAwsEvent } from './aws-event-stream.js';
import { openAIToAWSBedrock } from './openai-to-aws-bedrock.js';
import type { ClientRequest, Translator } from './translator.js';

function translator(requestModel = 'something'): Translator {
  const endpoint = findEndpoint('/v1/chat/completions');
  assert.ok(endpoint);
  return openAIToAWSBedrock({
    endpoint,
    backend: { name: 'default/aws/route/r/rule/0/ref/0', route: 'default/r', aiServiceBackend: 'default/aws', schema: { name: 'AWSBedrock' } },
    originalModel: 'something',
    requestModel,
  });
}

function client(json: JsonRecord): ClientRequest {
  const raw = Buffer.from(JSON.stringify(json));
  return { raw, json, stream: json.stream === true, headers: {} };
}

/** `created` is the gateway's clock: compare everything else. */
function normalised(text: string): unknown {
  const parsed: unknown = JSON.parse(text);
  return JSON.parse(JSON.stringify(parsed).replace(/"created":\d+/g, '"created":123'));
}

test('calibration "aws system role": request path and body, response body (upstream testupstream_test.go)', () => {
  const aws = translator();
  const request = aws.request(client({ model: 'something', messages: [{ role: 'system', content: 'You are a chatbot.' }] }));
  assert.equal(request.path, '/model/something/converse');
  assert.ok(request.body);
  assert.deepEqual(JSON.parse(request.body.toString()), { inferenceConfig: {}, messages: [], system: [{ text: 'You are a chatbot.' }] });

  assert.deepEqual(aws.responseHeaders(200, { 'x-amzn-requestid': '2bc5b090-a26c-4007-9467-ce5adc4ffa1d', 'content-type': 'application/json' }), { streaming: false });
  const upstream =
    '{"output":{"message":{"content":[{"text":"response"},{"text":"from"},{"text":"assistant"}],"role":"assistant"}},"stopReason":null,"usage":{"inputTokens":10,"outputTokens":20,"totalTokens":30}}';
  const result = aws.responseBody(Buffer.from(upstream), true);
  assert.ok(result.body);
  assert.deepEqual(
    normalised(result.body.toString()),
    normalised(
      '{"choices":[{"finish_reason":"stop","index":0,"message":{"content":"response","role":"assistant"}}],"id":"2bc5b090-a26c-4007-9467-ce5adc4ffa1d","created":123,"model":"something","object":"chat.completion","usage":{"completion_tokens":20,"prompt_tokens":10,"total_tokens":30}}',
    ),
  );
  assert.deepEqual(result.usage, { inputTokens: 10, outputTokens: 20, totalTokens: 30 });
  assert.equal(result.responseModel, 'something');
});

test('the model ID is path-escaped (ARNs keep ":" but not "/"); a stream goes to converse-stream', () => {
  const arn = 'arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/a1b2c3';
  const request = translator(arn).request(client({ model: 'claude', messages: [{ role: 'user', content: 'hi' }], stream: true }));
  assert.equal(request.path, '/model/arn:aws:bedrock:us-east-1:123456789012:application-inference-profile%2Fa1b2c3/converse-stream');
  assert.ok(request.body);
  // The stream flag is the path's business, not the body's.
  assert.deepEqual(JSON.parse(request.body.toString()), { inferenceConfig: {}, messages: [{ role: 'user', content: [{ text: 'hi' }] }] });
});

test('a request the router did not buffer cannot be translated', () => {
  const aws = translator();
  assert.equal(aws.needsBody, true);
  assert.throws(() => aws.request(undefined));
});

test('non-streaming response with reasoning, tool calls and cache usage', () => {
  const aws = translator('us.anthropic.claude-sonnet-4-20250514-v1:0');
  aws.request(client({ model: 'claude', messages: [{ role: 'user', content: 'weather in Paris?' }] }));
  aws.responseHeaders(200, { 'x-amzn-requestid': 'req-1' });
  const upstream = {
    output: {
      message: {
        role: 'assistant',
        content: [
          { reasoningContent: { reasoningText: { text: 'Need the weather tool.', signature: 'EqMBCkgIARAB' } } },
          { reasoningContent: { redactedContent: 'c2VjcmV0' } },
          { text: 'Let me check.' },
          { toolUse: { toolUseId: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'weather', input: { city: 'Paris' } } },
        ],
      },
    },
    stopReason: 'tool_use',
    usage: { inputTokens: 12, outputTokens: 40, totalTokens: 2052, cacheReadInputTokens: 2000, cacheWriteInputTokens: 0 },
    metrics: { latencyMs: 1203 },
  };
  const result = aws.responseBody(Buffer.from(JSON.stringify(upstream)), true);
  assert.ok(result.body);
  assert.deepEqual(normalised(result.body.toString()), {
    id: 'req-1',
    object: 'chat.completion',
    created: 123,
    model: 'us.anthropic.claude-sonnet-4-20250514-v1:0',
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: 'Let me check.',
          tool_calls: [{ id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', type: 'function', function: { name: 'weather', arguments: '{"city":"Paris"}' } }],
          reasoning_content: 'Need the weather tool.',
          thinking_blocks: [
            { type: 'thinking', thinking: 'Need the weather tool.', signature: 'EqMBCkgIARAB' },
            { type: 'redacted_thinking', data: 'c2VjcmV0' },
          ],
        },
        finish_reason: 'tool_calls',
      },
    ],
    usage: { prompt_tokens: 2012, completion_tokens: 40, total_tokens: 2052, prompt_tokens_details: { cached_tokens: 2000, cache_creation_input_tokens: 0 } },
  });
  assert.deepEqual(result.usage, { inputTokens: 2012, outputTokens: 40, totalTokens: 2052, cachedInputTokens: 2000, cacheCreationInputTokens: 0 });
});

test('finish reasons: max_tokens → length, guardrail → content_filter; a tool-only message has null content', () => {
  const finish = (stopReason: string) => {
    const aws = translator();
    aws.request(client({ model: 'm', messages: [] }));
    aws.responseHeaders(200, {});
    const body = aws.responseBody(Buffer.from(JSON.stringify({ output: { message: { role: 'assistant', content: [] } }, stopReason })), true).body;
    assert.ok(body);
    return normalised(body.toString());
  };
  assert.deepEqual(finish('max_tokens'), { object: 'chat.completion', created: 123, model: 'something', choices: [{ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'length' }] });
  assert.deepEqual(finish('guardrail_intervened'), {
    object: 'chat.completion',
    created: 123,
    model: 'something',
    choices: [{ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'content_filter' }],
  });
});

test('a 2xx response without output cannot be translated', () => {
  const aws = translator();
  aws.request(client({ model: 'm', messages: [] }));
  aws.responseHeaders(200, {});
  assert.throws(() => aws.responseBody(Buffer.from('{"Output":{"__type":"com.amazon.coral.service#UnknownOperationException"}}'), true), /no output\.message/);
});

/** A ConverseStream answer from Claude: reasoning, text, two tool calls, usage (payloads carry AWS's `p` padding). */
const STREAM = [
  encodeAwsEvent('messageStart', { p: 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW', role: 'assistant' }),
  encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: 'The user wants' } }, p: 'abcd' }),
  encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { text: ' the weather.' } }, p: 'abcdefgh' }),
  encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { reasoningContent: { signature: 'EqMBCkgIARABGAIiQK' } }, p: 'ab' }),
  encodeAwsEvent('contentBlockStop', { contentBlockIndex: 0, p: 'abcdefghijk' }),
  encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 1, delta: { text: 'Checking ☀️ now.' }, p: 'abc' }),
  encodeAwsEvent('contentBlockStop', { contentBlockIndex: 1, p: 'abcdefgh' }),
  encodeAwsEvent('contentBlockStart', { contentBlockIndex: 2, start: { toolUse: { toolUseId: 'tooluse_abc', name: 'weather' } }, p: 'abcdef' }),
  encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 2, delta: { toolUse: { input: '{"city":' } }, p: 'a' }),
  encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 2, delta: { toolUse: { input: '"Paris"}' } }, p: 'abcdefg' }),
  encodeAwsEvent('contentBlockStop', { contentBlockIndex: 2, p: 'abcdefghijklmn' }),
  encodeAwsEvent('contentBlockStart', { contentBlockIndex: 3, start: { toolUse: { toolUseId: 'tooluse_def', name: 'clock' } }, p: 'abcd' }),
  encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 3, delta: { toolUse: { input: '{}' } }, p: 'abcdefghi' }),
  encodeAwsEvent('contentBlockStop', { contentBlockIndex: 3, p: 'ab' }),
  encodeAwsEvent('messageStop', { p: 'abcdefghijklmnopqrs', stopReason: 'tool_use' }),
  encodeAwsEvent('metadata', {
    metrics: { latencyMs: 1520 },
    p: 'abcdefghij',
    usage: { inputTokens: 412, outputTokens: 96, totalTokens: 1508, cacheReadInputTokens: 1000, cacheWriteInputTokens: 0 },
  }),
];

const envelope = { id: 'req-7', object: 'chat.completion.chunk', created: 123, model: 'something' };
const delta = (value: JsonRecord, finishReason?: string) => ({ ...envelope, choices: [{ index: 0, delta: value, ...(finishReason ? { finish_reason: finishReason } : {}) }] });

const EXPECTED_CHUNKS = [
  delta({ role: 'assistant', content: '' }),
  delta({ reasoning_content: 'The user wants' }),
  delta({ reasoning_content: ' the weather.' }),
  delta({ thinking_blocks: [{ type: 'thinking', signature: 'EqMBCkgIARABGAIiQK' }] }),
  delta({ role: 'assistant', content: 'Checking ☀️ now.' }),
  delta({ tool_calls: [{ index: 0, id: 'tooluse_abc', type: 'function', function: { name: 'weather', arguments: '' } }] }),
  delta({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }),
  delta({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }),
  delta({ tool_calls: [{ index: 1, id: 'tooluse_def', type: 'function', function: { name: 'clock', arguments: '' } }] }),
  delta({ tool_calls: [{ index: 1, function: { arguments: '{}' } }] }),
  delta({ role: 'assistant', content: '' }, 'tool_calls'),
  {
    ...envelope,
    choices: [],
    usage: { prompt_tokens: 1412, completion_tokens: 96, total_tokens: 1508, prompt_tokens_details: { cached_tokens: 1000, cache_creation_input_tokens: 0 } },
  },
];

function streamingTranslator(includeUsage = true): Translator {
  const aws = translator();
  const streamOptions = includeUsage ? { stream_options: { include_usage: true } } : {};
  aws.request(client({ model: 'something', messages: [{ role: 'user', content: 'weather?' }], stream: true, ...streamOptions }));
  assert.deepEqual(aws.responseHeaders(200, { 'x-amzn-requestid': 'req-7', 'content-type': 'application/vnd.amazon.eventstream' }), {
    streaming: true,
    set: [['content-type', 'text/event-stream']],
  });
  return aws;
}

/** Feeds the pieces; returns the SSE text and the usage of the last call. */
function feed(aws: Translator, pieces: Buffer[]): { text: string; usage: unknown } {
  let text = '';
  let usage: unknown;
  pieces.forEach((piece, index) => {
    const result = aws.responseBody(piece, index === pieces.length - 1);
    text += result.body?.toString() ?? '';
    usage = result.usage;
  });
  return { text, usage };
}

/** SSE events as JSON; the stream must end with upstream's one-newline `[DONE]`. */
function events(text: string): unknown[] {
  assert.ok(text.endsWith('\n\ndata: [DONE]\n'), `stream must end with data: [DONE]: ${JSON.stringify(text.slice(-40))}`);
  return text
    .slice(0, -'data: [DONE]\n'.length)
    .split('\n\n')
    .filter((event) => event !== '')
    .map((event) => {
      assert.ok(event.startsWith('data: '), event);
      return normalised(event.slice('data: '.length));
    });
}

test('a full stream becomes OpenAI chunks, whatever the chunk boundaries', () => {
  const whole = Buffer.concat(STREAM);
  const splits: Buffer[][] = [[whole], [...whole].map((byte) => Buffer.from([byte]))];
  for (let cut = 1; cut < whole.length; cut += 13) splits.push([whole.subarray(0, cut), whole.subarray(cut)]);
  for (const pieces of splits) {
    const { text, usage } = feed(streamingTranslator(), pieces);
    assert.deepEqual(events(text), EXPECTED_CHUNKS);
    assert.deepEqual(usage, { inputTokens: 1412, outputTokens: 96, totalTokens: 1508, cachedInputTokens: 1000, cacheCreationInputTokens: 0 });
  }
});

test('without stream_options.include_usage there is no usage chunk (OpenAI\'s contract), but the usage is still read', () => {
  for (const flag of [undefined, false]) {
    const aws = translator();
    const streamOptions = flag === undefined ? {} : { stream_options: { include_usage: flag } };
    aws.request(client({ model: 'something', messages: [{ role: 'user', content: 'weather?' }], stream: true, ...streamOptions }));
    aws.responseHeaders(200, { 'x-amzn-requestid': 'req-7', 'content-type': 'application/vnd.amazon.eventstream' });
    const { text, usage } = feed(aws, [Buffer.concat(STREAM)]);
    assert.deepEqual(events(text), EXPECTED_CHUNKS.slice(0, -1));
    assert.deepEqual(usage, { inputTokens: 1412, outputTokens: 96, totalTokens: 1508, cachedInputTokens: 1000, cacheCreationInputTokens: 0 });
  }
});

/** Tool call deltas of a translated stream, as `index: arguments` (starts as `index: name`). */
function toolCallEvents(text: string): string[] {
  return events(text).flatMap((event) => {
    const choices: unknown = isRecord(event) ? event.choices : undefined;
    const choice: unknown = Array.isArray(choices) ? choices[0] : undefined;
    const calls: unknown = isRecord(choice) && isRecord(choice.delta) ? choice.delta.tool_calls : undefined;
    if (!Array.isArray(calls)) return [];
    return calls.map((call: unknown) => {
      assert.ok(isRecord(call) && isRecord(call.function));
      const { index, function: fn } = call;
      return typeof fn.name === 'string' ? `${String(index)} start ${fn.name}` : `${String(index)}: ${String(fn.arguments)}`;
    });
  });
}

test('tool blocks without contentBlockIndex: each start is the next call, deltas go to the call last started', () => {
  const toolStart = (id: string, name: string, index?: number) => encodeAwsEvent('contentBlockStart', { ...(index !== undefined ? { contentBlockIndex: index } : {}), start: { toolUse: { toolUseId: id, name } } });
  const toolDelta = (input: string, index?: number) => encodeAwsEvent('contentBlockDelta', { ...(index !== undefined ? { contentBlockIndex: index } : {}), delta: { toolUse: { input } } });
  const stop = (index?: number) => encodeAwsEvent('contentBlockStop', index !== undefined ? { contentBlockIndex: index } : {});
  const frame = (...events: Buffer[]) => [encodeAwsEvent('messageStart', { role: 'assistant' }), ...events, encodeAwsEvent('messageStop', { stopReason: 'tool_use' })];
  const cases: [string, Buffer[], string[]][] = [
    [
      'no index anywhere, stops included',
      frame(encodeAwsEvent('contentBlockDelta', { delta: { text: 'Let me check.' } }), stop(), toolStart('t1', 'weather'), toolDelta('{"city":"Oslo"}'), stop(), toolStart('t2', 'clock'), toolDelta('{}'), stop()),
      ['0 start weather', '0: {"city":"Oslo"}', '1 start clock', '1: {}'],
    ],
    [
      'no index and no stops',
      frame(toolStart('t1', 'weather'), toolDelta('{"city":'), toolDelta('"Oslo"}'), toolStart('t2', 'weather'), toolDelta('{"city":"Rome"}'), toolStart('t3', 'clock')),
      ['0 start weather', '0: {"city":', '0: "Oslo"}', '1 start weather', '1: {"city":"Rome"}', '2 start clock'],
    ],
    [
      'indexed starts, interleaved deltas (parallel calls)',
      frame(toolStart('t1', 'weather', 1), toolStart('t2', 'clock', 2), toolDelta('{"city":"Oslo"}', 1), toolDelta('{}', 2), stop(2), stop(1)),
      ['0 start weather', '1 start clock', '0: {"city":"Oslo"}', '1: {}'],
    ],
    [
      'indexed starts, unindexed deltas',
      frame(toolStart('t1', 'weather', 0), toolDelta('{"city":"Oslo"}'), stop(0), toolStart('t2', 'clock', 1), toolDelta('{}'), stop(1)),
      ['0 start weather', '0: {"city":"Oslo"}', '1 start clock', '1: {}'],
    ],
  ];
  for (const [label, stream, expected] of cases) {
    const aws = streamingTranslator(false);
    assert.deepEqual(toolCallEvents(feed(aws, [Buffer.concat(stream)]).text), expected, label);
  }
});

test('tool calls without contentBlockIndex are assembled by the OpenAI SDK as separate calls', async () => {
  const stream = Buffer.concat([
    encodeAwsEvent('messageStart', { role: 'assistant' }),
    encodeAwsEvent('contentBlockStart', { start: { toolUse: { toolUseId: 't1', name: 'weather' } } }),
    encodeAwsEvent('contentBlockDelta', { delta: { toolUse: { input: '{"city":"Oslo"}' } } }),
    encodeAwsEvent('contentBlockStart', { start: { toolUse: { toolUseId: 't2', name: 'clock' } } }),
    encodeAwsEvent('contentBlockDelta', { delta: { toolUse: { input: '{}' } } }),
    encodeAwsEvent('messageStop', { stopReason: 'tool_use' }),
  ]);
  const text = feed(streamingTranslator(false), [stream]).text;
  const openai = new OpenAI({
    apiKey: 'unused',
    baseURL: 'http://gateway.invalid/v1',
    maxRetries: 0,
    fetch: () => Promise.resolve(new Response(text, { status: 200, headers: { 'content-type': 'text/event-stream' } })),
  });
  const completion = await openai.chat.completions.stream({ model: 'something', messages: [{ role: 'user', content: 'hi' }] }).finalChatCompletion();
  const calls = completion.choices[0]?.message.tool_calls?.map((call) => (call.type === 'function' ? [call.id, call.function.name, call.function.arguments] : [])) ?? [];
  assert.deepEqual(calls, [
    ['t1', 'weather', '{"city":"Oslo"}'],
    ['t2', 'clock', '{}'],
  ]);
});

test('usage is unknown until metadata arrives; a stream cut inside a frame ends with an error event, not [DONE]', () => {
  const aws = streamingTranslator();
  const first = aws.responseBody(Buffer.concat(STREAM.slice(0, 3)), false);
  assert.deepEqual(first.usage, {});
  const last = STREAM[STREAM.length - 1];
  assert.ok(last);
  const end = aws.responseBody(last.subarray(0, 20), true).body?.toString() ?? '';
  assert.match(end, /^data: \{"error":\{"type":"api_error","message":"AWS Bedrock ConverseStream ended inside a frame \(20 bytes left\)"\}\}\n\n$/);
});

test('a stream cut between frames before messageStop ends with an error event, and the OpenAI SDK raises', async () => {
  const beforeStop = STREAM.slice(0, 3);
  const { text } = feed(streamingTranslator(), [Buffer.concat(beforeStop)]);
  assert.ok(!text.includes('[DONE]'), text);
  assert.match(text, /"message":"the AWS Bedrock stream ended before the message was complete"/);
  const read = await readWithOpenAISDK(text);
  assert.equal(read.chunks.length, 3);
  assert.ok(read.error instanceof OpenAI.APIError, String(read.error));
  assert.match(read.error.message, /ended before the message was complete/);
  const cut = await readWithOpenAISDK(feed(streamingTranslator(), [Buffer.concat(beforeStop), STREAM[3]?.subarray(0, 10) ?? Buffer.alloc(0)]).text);
  assert.ok(cut.error instanceof OpenAI.APIError, String(cut.error));
  assert.match(cut.error.message, /ended inside a frame/);
});

const EXCEPTION_STREAM = [
  encodeAwsEvent('messageStart', { role: 'assistant' }),
  encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Once upon' } }),
  encodeAwsEvent('throttlingException', { message: 'Too many tokens, please wait before trying again.' }, 'exception'),
];

test('a mid-stream exception reaches the client as an error event', () => {
  const { text } = feed(streamingTranslator(), [Buffer.concat(EXCEPTION_STREAM)]);
  assert.deepEqual(events(text), [
    delta({ role: 'assistant', content: '' }),
    delta({ role: 'assistant', content: 'Once upon' }),
    { error: { type: 'throttlingException', message: 'Too many tokens, please wait before trying again.' } },
  ]);
});

/** The translated stream as the OpenAI SDK reads it (custom fetch: no network). */
async function readWithOpenAISDK(sse: string): Promise<{ chunks: OpenAI.ChatCompletionChunk[]; error?: unknown }> {
  const openai = new OpenAI({
    apiKey: 'unused',
    baseURL: 'http://gateway.invalid/v1',
    maxRetries: 0,
    fetch: () => Promise.resolve(new Response(sse, { status: 200, headers: { 'content-type': 'text/event-stream' } })),
  });
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  try {
    const stream = await openai.chat.completions.create({ model: 'something', messages: [{ role: 'user', content: 'hi' }], stream: true });
    for await (const chunk of stream) chunks.push(chunk);
  } catch (error) {
    return { chunks, error };
  }
  return { chunks };
}

test('the OpenAI SDK reads the translated stream to the end, and raises on a mid-stream exception', async () => {
  const complete = await readWithOpenAISDK(feed(streamingTranslator(), [Buffer.concat(STREAM)]).text);
  assert.equal(complete.error, undefined);
  assert.equal(complete.chunks.length, EXPECTED_CHUNKS.length);
  assert.equal(complete.chunks.at(-1)?.usage?.prompt_tokens, 1412);

  const cut = await readWithOpenAISDK(feed(streamingTranslator(), [Buffer.concat(EXCEPTION_STREAM)]).text);
  assert.equal(cut.chunks.length, 2);
  assert.ok(cut.error instanceof OpenAI.APIError, String(cut.error));
  assert.match(cut.error.message, /Too many tokens/);
});

test('errors: JSON bodies take the type from x-amzn-errortype, anything else is AWSBedrockBackendError', () => {
  const error = (status: number, headers: Record<string, string>, body: string) => {
    const aws = translator();
    aws.request(client({ model: 'm', messages: [], stream: true }));
    assert.deepEqual(aws.responseHeaders(status, headers), { streaming: false });
    const result = aws.responseError(status, Buffer.from(body));
    assert.equal(result.contentType, 'application/json');
    assert.ok(result.body);
    const parsed: unknown = JSON.parse(result.body.toString());
    return parsed;
  };
  assert.deepEqual(
    error(400, { 'x-amzn-errortype': 'ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/' }, '{"message":"The model returned the following errors: messages: at least one message is required"}'),
    { type: 'error', error: { type: 'ValidationException', code: '400', message: 'The model returned the following errors: messages: at least one message is required' } },
  );
  // AWS's front door writes `Message`.
  assert.deepEqual(error(403, { 'x-amzn-errortype': 'UnrecognizedClientException' }, '{"Message":"The security token included in the request is invalid."}'), {
    type: 'error',
    error: { type: 'UnrecognizedClientException', code: '403', message: 'The security token included in the request is invalid.' },
  });
  assert.deepEqual(error(503, { 'x-amzn-errortype': 'ServiceUnavailableException' }, 'upstream connect error or disconnect/reset before headers'), {
    type: 'error',
    error: { type: 'AWSBedrockBackendError', code: '503', message: 'upstream connect error or disconnect/reset before headers' },
  });
  assert.deepEqual(error(429, {}, '{"message":"Too many requests, please wait before trying again."}'), {
    type: 'error',
    error: { type: 'AWSBedrockBackendError', code: '429', message: 'Too many requests, please wait before trying again.' },
  });
});
