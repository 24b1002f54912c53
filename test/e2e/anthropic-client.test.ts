/**
 * The official `@anthropic-ai/sdk` client against the real gateway at `/anthropic`: passed
 * through to Anthropic (streaming and not), translated to an OpenAI chat completions backend
 * and back (message, stream, tool use, usage), re-framed from Claude on Bedrock's binary event
 * stream, and provider errors in Anthropic's error shape.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import { accessLogEntry } from '../support/access-log-entry.js';
import { freePort, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { anthropicMessage, anthropicStreamEvents, sendAnthropicError, sendAnthropicSse } from '../support/fake-anthropic.js';
import { awsCredentialsFile, converseEvent, converseResponse, invokeChunk, sendConverse, sendEventStream, sigV4Problem, type AwsTestCredentials } from '../support/fake-bedrock.js';
import { BACKEND_SELECTOR_HEADER, providerGatewayYaml } from '../support/provider-gateway-yaml.js';
import { sendChunks, sendJson, startScriptedProvider, type ScriptedProvider } from '../support/scripted-provider.js';

const ANTHROPIC_KEY = 'sk-ant-gateway-key';
const OPENAI_KEY = 'sk-openai-gateway-key';
const AWS: AwsTestCredentials = { accessKeyId: 'AKIAANTHROPICCLIENT', secretAccessKey: 'anthropic-client-secret', region: 'us-west-2' };
const CLAUDE_ON_AWS = 'us.anthropic.claude-sonnet-4-20250514-v1:0';

let anthropic: ScriptedProvider;
let openai: ScriptedProvider;
let bedrock: ScriptedProvider;
let converse: ScriptedProvider;
let aigw: AigwProcess;
let gatewayPort: number;

before(async () => {
  [anthropic, openai, bedrock, converse] = await Promise.all([
    startScriptedProvider('anthropic'),
    startScriptedProvider('openai'),
    startScriptedProvider('aws-anthropic'),
    startScriptedProvider('bedrock-converse'),
  ]);
  gatewayPort = await freePort();
  const configYaml = providerGatewayYaml(gatewayPort, [
    {
      name: 'anthropic',
      schema: { name: 'Anthropic' },
      port: anthropic.port,
      security: { type: 'AnthropicAPIKey', anthropicAPIKey: { secretRef: { name: 'anthropic-key' } } },
      secrets: { 'anthropic-key': { apiKey: ANTHROPIC_KEY } },
    },
    {
      name: 'openai',
      schema: { name: 'OpenAI', prefix: 'v1' },
      port: openai.port,
      security: { type: 'APIKey', apiKey: { secretRef: { name: 'openai-key' } } },
      secrets: { 'openai-key': { apiKey: OPENAI_KEY } },
    },
    {
      name: 'aws-anthropic',
      schema: { name: 'AWSAnthropic' },
      port: bedrock.port,
      fqdn: true,
      security: { type: 'AWSCredentials', awsCredentials: { region: AWS.region, credentialsFile: { secretRef: { name: 'aws-credentials' } } } },
      secrets: { 'aws-credentials': { credentials: awsCredentialsFile(AWS) } },
    },
    {
      name: 'bedrock',
      schema: { name: 'AWSBedrock' },
      port: converse.port,
      fqdn: true,
      security: { type: 'AWSCredentials', awsCredentials: { region: AWS.region, credentialsFile: { secretRef: { name: 'aws-credentials' } } } },
    },
  ]);
  aigw = await startAigw({ configYaml });
});

after(async () => {
  await aigw?.stop();
  await Promise.all([anthropic, openai, bedrock, converse].filter(Boolean).map((provider) => provider.close()));
});

/** Headers of the requests the SDK sent, as it sent them. */
const sentHeaders: Headers[] = [];

function client(backend: string): Anthropic {
  return new Anthropic({
    baseURL: `http://localhost:${gatewayPort}/anthropic`,
    apiKey: 'client-side-anthropic-key',
    maxRetries: 0,
    defaultHeaders: { [BACKEND_SELECTOR_HEADER]: backend },
    fetch: (input, init) => {
      sentHeaders.push(new Headers(init?.headers));
      return fetch(input, init);
    },
  });
}

function script(provider: ScriptedProvider, reply: Parameters<ScriptedProvider['reply']>[0]): void {
  provider.reset();
  provider.reply(reply);
}

function textOf(message: Anthropic.Message): string {
  return message.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
}

const WEATHER_TOOL: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

// ---------------------------------------------------------------- Anthropic pass-through

test('Anthropic backend: a message passes through with the gateway\'s x-api-key', async () => {
  const answer = anthropicMessage({ id: 'msg_pass_1', model: 'claude-sonnet-4-5-20250929', content: [{ type: 'text', text: 'Passed through.' }], stopReason: 'end_turn', usage: { input_tokens: 17, output_tokens: 4 } });
  script(anthropic, (_request, response) => sendJson(response, 200, answer));
  const params: Anthropic.MessageCreateParamsNonStreaming = {
    model: 'claude-sonnet-4-5',
    max_tokens: 256,
    system: 'Be helpful.',
    messages: [{ role: 'user', content: 'Hello?' }],
  };
  sentHeaders.length = 0;
  const message = await client('anthropic').messages.create(params);
  assert.equal(message.id, 'msg_pass_1');
  assert.equal(textOf(message), 'Passed through.');
  assert.equal(message.stop_reason, 'end_turn');
  assert.equal(message.usage.input_tokens, 17);
  assert.equal(message.usage.output_tokens, 4);

  const seen = anthropic.only();
  assert.equal(seen.url, '/v1/messages');
  assert.equal(seen.header('x-api-key'), ANTHROPIC_KEY, 'the client\'s key is replaced by the configured one');
  const clientVersion = sentHeaders[0]?.get('anthropic-version');
  assert.ok(clientVersion, 'the SDK sends anthropic-version');
  assert.equal(seen.header('anthropic-version'), clientVersion, 'the SDK\'s version header reaches Anthropic unchanged');
  assert.deepEqual(seen.json(), params);
});

test('Anthropic backend: a stream passes through; finalMessage() has the text, stop_reason and usage; the access log has the tokens', async () => {
  const since = aigw.stdout.length;
  script(anthropic, (_request, response) =>
    sendAnthropicSse(
      response,
      anthropicStreamEvents({ id: 'msg_pass_stream', model: 'claude-sonnet-4-5-20250929', blocks: [{ type: 'text', pieces: ['Stream', 'ing ', 'through'] }], stopReason: 'max_tokens', usage: { input_tokens: 25, output_tokens: 3 } }),
    ),
  );
  const stream = client('anthropic').messages.stream({ model: 'claude-haiku-4-5', max_tokens: 3, messages: [{ role: 'user', content: 'Stream something.' }] });
  const deltas: string[] = [];
  stream.on('text', (text) => deltas.push(text));
  const message = await stream.finalMessage();
  assert.deepEqual(deltas, ['Stream', 'ing ', 'through']);
  assert.equal(textOf(message), 'Streaming through');
  assert.equal(message.stop_reason, 'max_tokens');
  assert.equal(message.usage.input_tokens, 25);
  assert.equal(message.usage.output_tokens, 3);
  const entry = await accessLogEntry(aigw, { upstreamPath: '/v1/messages', model: 'claude-haiku-4-5' }, since);
  assert.equal(entry['gen_ai.usage.input_tokens'], 25);
  assert.equal(entry['gen_ai.usage.output_tokens'], 3);
  assert.match(String(entry.backend), /^default\/anthropic\/route\//);

  // The client's bytes pass through: Anthropic refuses fields it does not know (400
  // "stream_options: Extra inputs are not permitted"), so nothing may be added.
  assert.deepEqual(anthropic.only().json(), { model: 'claude-haiku-4-5', max_tokens: 3, messages: [{ role: 'user', content: 'Stream something.' }], stream: true });
});

test('Anthropic backend: a 400 from Anthropic reaches the SDK as BadRequestError in Anthropic\'s shape', async () => {
  script(anthropic, (_request, response) => sendAnthropicError(response, 400, 'invalid_request_error', 'max_tokens: must be greater than 0'));
  await assert.rejects(client('anthropic').messages.create({ model: 'claude-sonnet-4-5', max_tokens: 0, messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
    assert.ok(error instanceof Anthropic.BadRequestError, `BadRequestError, got ${String(error)}`);
    assert.equal(error.status, 400);
    assert.deepEqual(error.error, { type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: must be greater than 0' } });
    return true;
  });
});

// ---------------------------------------------------------------- OpenAI backend (translated)

test('OpenAI backend: Messages become a chat completion request and the completion an Anthropic message', async () => {
  script(openai, (_request, response) =>
    sendJson(response, 200, {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'gpt-4o-mini-2024-07-18',
      choices: [{ index: 0, message: { role: 'assistant', content: 'Translated hello.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 20, completion_tokens: 7, total_tokens: 27 },
    }),
  );
  const message = await client('openai').messages.create({
    model: 'gpt-4o-mini',
    max_tokens: 128,
    system: 'You are a translator.',
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello.' }] }],
    stop_sequences: ['END'],
    metadata: { user_id: 'user-42' },
  });
  assert.equal(message.type, 'message');
  assert.equal(message.role, 'assistant');
  assert.equal(message.id, 'chatcmpl-1');
  assert.equal(message.model, 'gpt-4o-mini-2024-07-18');
  assert.deepEqual(message.content, [{ type: 'text', text: 'Translated hello.' }]);
  assert.equal(message.stop_reason, 'end_turn');
  assert.equal(message.usage.input_tokens, 20);
  assert.equal(message.usage.output_tokens, 7);

  const seen = openai.only();
  assert.equal(seen.url, '/v1/chat/completions');
  assert.equal(seen.header('authorization'), `Bearer ${OPENAI_KEY}`);
  assert.deepEqual(seen.json(), {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are a translator.' },
      { role: 'user', content: [{ type: 'text', text: 'Say hello.' }] },
    ],
    max_completion_tokens: 128,
    stop: ['END'],
    user: 'user-42',
  });
});

/** An OpenAI SSE stream: each chunk as `data:` then `[DONE]`. */
function openAIStream(chunks: Record<string, unknown>[]): string[] {
  return [...chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`), 'data: [DONE]\n\n'];
}

const chunk = (choices: Record<string, unknown>[], extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'chatcmpl-stream',
  object: 'chat.completion.chunk',
  created: 1_700_000_000,
  model: 'gpt-4o-mini-2024-07-18',
  choices,
  ...extra,
});

test('OpenAI backend: a streamed tool call becomes a tool_use block; finalMessage() has it with stop_reason and usage', async () => {
  script(openai, (_request, response) =>
    sendChunks(
      response,
      200,
      { 'content-type': 'text/event-stream' },
      openAIStream([
        chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]),
        chunk([{ index: 0, delta: { content: 'Let me ' }, finish_reason: null }]),
        chunk([{ index: 0, delta: { content: 'look.' }, finish_reason: null }]),
        chunk([{ index: 0, delta: { tool_calls: [{ index: 0, id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '' } }] }, finish_reason: null }]),
        chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }, finish_reason: null }]),
        chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"Lisbon"}' } }] }, finish_reason: null }]),
        chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]),
        chunk([], { usage: { prompt_tokens: 44, completion_tokens: 19, total_tokens: 63 } }),
      ]),
    ),
  );
  const stream = client('openai').messages.stream({ model: 'gpt-4o-mini', max_tokens: 200, messages: [{ role: 'user', content: 'Weather in Lisbon?' }], tools: [WEATHER_TOOL] });
  const message = await stream.finalMessage();
  assert.deepEqual(message.content, [
    { type: 'text', text: 'Let me look.' },
    { type: 'tool_use', id: 'call_abc', name: 'get_weather', input: { city: 'Lisbon' } },
  ]);
  assert.equal(message.stop_reason, 'tool_use');
  assert.equal(message.usage.input_tokens, 44);
  assert.equal(message.usage.output_tokens, 19);

  const seen = openai.only();
  assert.deepEqual(seen.json(), {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Weather in Lisbon?' }],
    max_completion_tokens: 200,
    tools: [{ type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters: WEATHER_TOOL.input_schema } }],
    stream: true,
    stream_options: { include_usage: true },
  });
});

test('OpenAI backend: the tool result goes back as an OpenAI tool message', async () => {
  script(openai, (_request, response) =>
    sendJson(response, 200, {
      id: 'chatcmpl-2',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: 'gpt-4o-mini-2024-07-18',
      choices: [{ index: 0, message: { role: 'assistant', content: 'It is 19°C in Lisbon.' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 70, completion_tokens: 9, total_tokens: 79 },
    }),
  );
  const message = await client('openai').messages.create({
    model: 'gpt-4o-mini',
    max_tokens: 200,
    tools: [WEATHER_TOOL],
    messages: [
      { role: 'user', content: 'Weather in Lisbon?' },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Let me look.' },
          { type: 'tool_use', id: 'call_abc', name: 'get_weather', input: { city: 'Lisbon' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'call_abc', content: '{"temp_c":19}' }] },
    ],
  });
  assert.equal(textOf(message), 'It is 19°C in Lisbon.');
  assert.equal(message.stop_reason, 'end_turn');
  const seen = openai.only().json();
  assert.deepEqual(seen, {
    model: 'gpt-4o-mini',
    messages: [
      { role: 'user', content: 'Weather in Lisbon?' },
      { role: 'assistant', content: 'Let me look.', tool_calls: [{ id: 'call_abc', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Lisbon"}' } }] },
      { role: 'tool', tool_call_id: 'call_abc', content: '{"temp_c":19}' },
    ],
    max_completion_tokens: 200,
    tools: [{ type: 'function', function: { name: 'get_weather', description: 'Current weather for a city', parameters: WEATHER_TOOL.input_schema } }],
  });
});

test('OpenAI backend: a 400 OpenAI error reaches the Anthropic SDK in Anthropic\'s error shape', async () => {
  script(openai, (_request, response) =>
    sendJson(response, 400, { error: { message: "Invalid value for 'temperature': must be at most 2.", type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' } }),
  );
  await assert.rejects(client('openai').messages.create({ model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
    assert.ok(error instanceof Anthropic.BadRequestError, `BadRequestError, got ${String(error)}`);
    assert.equal(error.status, 400);
    assert.deepEqual(error.error, { type: 'error', error: { type: 'invalid_request_error', message: "Invalid value for 'temperature': must be at most 2." } });
    return true;
  });
});

test('OpenAI backend: a 429 reaches the Anthropic SDK as RateLimitError', async () => {
  script(openai, (_request, response) => sendJson(response, 429, { error: { message: 'Rate limit reached for gpt-4o-mini.', type: 'requests', code: 'rate_limit_exceeded' } }));
  await assert.rejects(client('openai').messages.create({ model: 'gpt-4o-mini', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
    assert.ok(error instanceof Anthropic.RateLimitError, `RateLimitError, got ${String(error)}`);
    assert.deepEqual(error.error, { type: 'error', error: { type: 'rate_limit_error', message: 'Rate limit reached for gpt-4o-mini.' } });
    return true;
  });
});

// ---------------------------------------------------------------- Claude on Bedrock InvokeModel

test('AWSAnthropic backend: the stream arrives as Bedrock chunk events and reaches the SDK as Anthropic SSE', async () => {
  script(bedrock, (_request, response) =>
    sendEventStream(
      response,
      anthropicStreamEvents({ id: 'msg_bdrk', model: 'claude-sonnet-4-20250514', blocks: [{ type: 'text', pieces: ['From', ' Bedrock'] }], stopReason: 'end_turn', usage: { input_tokens: 15, output_tokens: 2 } }).map(invokeChunk),
      'bedrock-anthropic-client',
    ),
  );
  const message = await client('aws-anthropic')
    .messages.stream({ model: CLAUDE_ON_AWS, max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }] }, { headers: { 'anthropic-beta': 'interleaved-thinking-2025-05-14,some-anthropic-only-beta' } })
    .finalMessage();
  assert.equal(message.id, 'msg_bdrk');
  assert.equal(textOf(message), 'From Bedrock');
  assert.equal(message.stop_reason, 'end_turn');
  assert.equal(message.usage.input_tokens, 15);
  assert.equal(message.usage.output_tokens, 2);
  const seen = bedrock.only();
  assert.equal(seen.url, '/model/us.anthropic.claude-sonnet-4-20250514-v1:0/invoke-with-response-stream');
  assert.equal(sigV4Problem(seen, AWS), undefined);
  // Only the Bedrock fields are added (InvokeModel refuses unknown keys such as an OpenAI stream_options).
  assert.deepEqual(seen.json(), {
    max_tokens: 50,
    messages: [{ role: 'user', content: 'Hi' }],
    anthropic_version: 'bedrock-2023-05-31',
    anthropic_beta: ['interleaved-thinking-2025-05-14'],
  });
});

// ---------------------------------------------------------------- AWS Bedrock Converse (translated)

test('AWSBedrock backend: Messages become a Converse request; the answer an Anthropic message', async () => {
  script(converse, (_request, response) => sendConverse(response, converseResponse([{ text: 'Converse says hi.' }], 'end_turn', { inputTokens: 12, outputTokens: 4 }), 'converse-req-1'));
  const message = await client('bedrock').messages.create({ model: CLAUDE_ON_AWS, max_tokens: 64, system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }], stop_sequences: ['END'] });
  assert.equal(message.id, 'converse-req-1');
  assert.equal(message.model, CLAUDE_ON_AWS);
  assert.deepEqual(message.content, [{ type: 'text', text: 'Converse says hi.' }]);
  assert.equal(message.stop_reason, 'end_turn');
  assert.equal(message.usage.input_tokens, 12);
  assert.equal(message.usage.output_tokens, 4);
  const seen = converse.only();
  assert.equal(seen.url, '/model/us.anthropic.claude-sonnet-4-20250514-v1:0/converse');
  assert.equal(sigV4Problem(seen, AWS), undefined);
  assert.deepEqual(seen.json(), {
    inferenceConfig: { maxTokens: 64, stopSequences: ['END'] },
    messages: [{ role: 'user', content: [{ text: 'Hi' }] }],
    system: [{ text: 'Be brief.' }],
  });
});

test('AWSBedrock backend: a ConverseStream with text and a tool call reaches the SDK as Anthropic events', async () => {
  script(converse, (_request, response) =>
    sendEventStream(
      response,
      [
        converseEvent('messageStart', { role: 'assistant' }),
        converseEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Checking ' } }),
        converseEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Paris.' } }),
        converseEvent('contentBlockStop', { contentBlockIndex: 0 }),
        converseEvent('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tooluse_conv', name: 'get_weather' } } }),
        converseEvent('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"city":' } } }),
        converseEvent('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '"Paris"}' } } }),
        converseEvent('contentBlockStop', { contentBlockIndex: 1 }),
        converseEvent('messageStop', { stopReason: 'tool_use' }),
        converseEvent('metadata', { usage: { inputTokens: 41, outputTokens: 17, totalTokens: 58 }, metrics: { latencyMs: 3 } }),
      ],
      'converse-stream-1',
    ),
  );
  const message = await client('bedrock').messages.stream({ model: CLAUDE_ON_AWS, max_tokens: 100, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [WEATHER_TOOL] }).finalMessage();
  assert.equal(message.id, 'converse-stream-1');
  assert.deepEqual(message.content, [
    { type: 'text', text: 'Checking Paris.' },
    { type: 'tool_use', id: 'tooluse_conv', name: 'get_weather', input: { city: 'Paris' } },
  ]);
  assert.equal(message.stop_reason, 'tool_use');
  assert.equal(message.usage.input_tokens, 41);
  assert.equal(message.usage.output_tokens, 17);
  const seen = converse.only();
  assert.equal(seen.url, '/model/us.anthropic.claude-sonnet-4-20250514-v1:0/converse-stream');
  assert.equal(sigV4Problem(seen, AWS), undefined);
  assert.deepEqual(seen.json(), {
    inferenceConfig: { maxTokens: 100 },
    messages: [{ role: 'user', content: [{ text: 'Weather in Paris?' }] }],
    toolConfig: { tools: [{ toolSpec: { name: 'get_weather', description: 'Current weather for a city', inputSchema: { json: WEATHER_TOOL.input_schema } } }] },
  });
});

// ---------------------------------------------------------------- count_tokens

test('count_tokens: to Anthropic at its fixed path, and to Claude on Bedrock as CountTokens (signed, model without the region prefix)', async () => {
  script(anthropic, (_request, response) => sendJson(response, 200, { input_tokens: 21 }));
  const counted = await client('anthropic').messages.countTokens({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'How many tokens?' }] });
  assert.equal(counted.input_tokens, 21);
  const seen = anthropic.only();
  assert.equal(seen.url, '/v1/messages/count_tokens');
  assert.equal(seen.header('x-api-key'), ANTHROPIC_KEY);

  script(bedrock, (_request, response) => sendJson(response, 200, { inputTokens: 34 }));
  const onAws = await client('aws-anthropic').messages.countTokens({ model: CLAUDE_ON_AWS, messages: [{ role: 'user', content: 'How many tokens?' }] });
  assert.equal(onAws.input_tokens, 34);
  const request = bedrock.only();
  assert.equal(request.url, `/model/${CLAUDE_ON_AWS.replace(/^us\./, '')}/count-tokens`);
  assert.equal(sigV4Problem(request, AWS), undefined);
  const body: unknown = request.json();
  assert.ok(typeof body === 'object' && body !== null && 'input' in body && typeof body.input === 'object' && body.input !== null && 'invokeModel' in body.input);
});
