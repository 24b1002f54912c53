/**
 * OpenAI chat completions through the real gateway (aigw CLI, Envoy, ext_proc) to every
 * translated provider, driven by the official `openai` SDK against scripted fakes that speak
 * each provider's wire format: AWS Bedrock Converse (SigV4 from a credentials Secret, checked by
 * an independent SigV4 implementation), Gemini on Vertex AI (ADC token from a fake GCE metadata
 * server), Anthropic (x-api-key), Claude on Bedrock InvokeModel and Claude on Vertex rawPredict.
 * Each test checks both ends: what the SDK hands the application and what the provider got.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { isRecord } from '../../common/json-guards.js';
import { accessLogEntry } from '../support/access-log-entry.js';
import { freePort, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { anthropicMessage, anthropicStreamEvents, sendAnthropicSse } from '../support/fake-anthropic.js';
import {
  awsCredentialsFile,
  awsStreamException,
  converseEvent,
  converseResponse,
  converseTextStream,
  invokeChunk,
  sendAwsError,
  sendConverse,
  sendEventStream,
  sigV4Problem,
  type AwsTestCredentials,
} from '../support/fake-bedrock.js';
import { startFakeGceMetadata, type FakeGceMetadata } from '../support/fake-gce-metadata.js';
import { geminiResponse, sendGeminiSse, sendGoogleError } from '../support/fake-gemini.js';
import { BACKEND_SELECTOR_HEADER, providerGatewayYaml } from '../support/provider-gateway-yaml.js';
import { sendJson, startScriptedProvider, type ProviderRequest, type ScriptedProvider } from '../support/scripted-provider.js';

const AWS: AwsTestCredentials = { accessKeyId: 'AKIAAIGWE2ETEST', secretAccessKey: 'aigw-e2e-secret/key+value', region: 'us-east-1' };
const GCP_TOKEN = 'ya29.fake-gce-token';
const GCP_PROJECT = 'aigw-e2e-project';
const GCP_REGION = 'us-central1';
const ANTHROPIC_KEY = 'sk-ant-configured-key';

const BEDROCK_MODEL = 'anthropic.claude-3-5-sonnet-20241022-v2:0';
/** A model of its own, so the access log entry of its request is told apart. */
const BEDROCK_STREAM_MODEL = 'anthropic.claude-3-7-sonnet-20250219-v1:0';
const CLAUDE_ON_AWS = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const CLAUDE_ON_GCP = 'claude-3-5-haiku@20241022';

const BACKENDS = ['bedrock', 'vertex', 'anthropic', 'aws-anthropic', 'gcp-anthropic'] as const;
type BackendName = (typeof BACKENDS)[number];

const WEATHER_TOOL: OpenAI.Chat.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather for a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
};

let providers: Record<BackendName, ScriptedProvider>;
let gce: FakeGceMetadata;
let aigw: AigwProcess;
let gatewayPort: number;

before(async () => {
  const [bedrock, vertex, anthropic, awsAnthropic, gcpAnthropic] = await Promise.all(BACKENDS.map((name) => startScriptedProvider(name)));
  assert.ok(bedrock && vertex && anthropic && awsAnthropic && gcpAnthropic);
  providers = { bedrock, vertex, anthropic, 'aws-anthropic': awsAnthropic, 'gcp-anthropic': gcpAnthropic };
  gce = await startFakeGceMetadata(GCP_TOKEN);
  gatewayPort = await freePort();
  const awsSecurity = {
    security: { type: 'AWSCredentials', awsCredentials: { region: AWS.region, credentialsFile: { secretRef: { name: 'aws-credentials' } } } },
    secrets: { 'aws-credentials': { credentials: awsCredentialsFile(AWS) } },
  };
  const gcpSecurity = { security: { type: 'GCPCredentials', gcpCredentials: { projectName: GCP_PROJECT, region: GCP_REGION } } };
  const configYaml = providerGatewayYaml(gatewayPort, [
    { name: 'bedrock', schema: { name: 'AWSBedrock' }, port: providers.bedrock.port, fqdn: true, ...awsSecurity },
    { name: 'vertex', schema: { name: 'GCPVertexAI' }, port: providers.vertex.port, ...gcpSecurity },
    {
      name: 'anthropic',
      schema: { name: 'Anthropic' },
      port: providers.anthropic.port,
      security: { type: 'AnthropicAPIKey', anthropicAPIKey: { secretRef: { name: 'anthropic-key' } } },
      secrets: { 'anthropic-key': { apiKey: ANTHROPIC_KEY } },
    },
    { name: 'aws-anthropic', schema: { name: 'AWSAnthropic' }, port: providers['aws-anthropic'].port, fqdn: true, ...awsSecurity, secrets: {} },
    { name: 'gcp-anthropic', schema: { name: 'GCPAnthropic' }, port: providers['gcp-anthropic'].port, ...gcpSecurity },
  ]);
  aigw = await startAigw({ configYaml, env: { GCE_METADATA_HOST: gce.host, GOOGLE_APPLICATION_CREDENTIALS: undefined, HOME: '/nonexistent-aigw-test-home' } });
});

after(async () => {
  await aigw?.stop();
  await Promise.all(Object.values(providers ?? {}).map((provider) => provider.close()));
  await gce?.close();
});

function client(backend: BackendName): OpenAI {
  return new OpenAI({ baseURL: `http://localhost:${gatewayPort}/v1`, apiKey: 'client-key-not-for-providers', maxRetries: 0, defaultHeaders: { [BACKEND_SELECTOR_HEADER]: backend } });
}

/** A fake for the next request(s), forgetting earlier ones. */
function script(backend: BackendName, reply: Parameters<ScriptedProvider['reply']>[0]): ScriptedProvider {
  const provider = providers[backend];
  provider.reset();
  provider.reply(reply);
  return provider;
}

function assertSigned(request: ProviderRequest): void {
  assert.equal(sigV4Problem(request, AWS), undefined, 'the SigV4 signature is what AWS would accept');
  assert.equal(request.header('x-amz-security-token'), undefined, 'no session token for static keys');
}

function assertGcpAuth(request: ProviderRequest): void {
  assert.equal(request.header('authorization'), `Bearer ${GCP_TOKEN}`);
}

interface Collected {
  text: string;
  finishReasons: (string | null)[];
  usage: OpenAI.CompletionUsage | undefined;
  ids: Set<string>;
  models: Set<string>;
  chunks: number;
}

async function collect(stream: AsyncIterable<OpenAI.Chat.ChatCompletionChunk>): Promise<Collected> {
  const out: Collected = { text: '', finishReasons: [], usage: undefined, ids: new Set(), models: new Set(), chunks: 0 };
  for await (const chunk of stream) {
    out.chunks++;
    out.ids.add(chunk.id);
    out.models.add(chunk.model);
    for (const choice of chunk.choices) {
      out.text += choice.delta.content ?? '';
      if (choice.finish_reason) out.finishReasons.push(choice.finish_reason);
    }
    if (chunk.usage) out.usage = chunk.usage;
  }
  return out;
}

function usageOf(usage: OpenAI.CompletionUsage | undefined): { prompt: number | undefined; completion: number | undefined; total: number | undefined } {
  return { prompt: usage?.prompt_tokens, completion: usage?.completion_tokens, total: usage?.total_tokens };
}

// ---------------------------------------------------------------- AWS Bedrock Converse

test('Bedrock: non-streaming chat with a system prompt is signed, translated to Converse and back', async () => {
  const bedrock = script('bedrock', (_request, response) =>
    sendConverse(response, converseResponse([{ text: 'Hello from Bedrock.' }], 'end_turn', { inputTokens: 21, outputTokens: 5 }), 'bedrock-req-1'),
  );
  const completion = await client('bedrock').chat.completions.create({
    model: BEDROCK_MODEL,
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Say hello.' },
    ],
    max_tokens: 50,
    temperature: 0.2,
  });
  assert.equal(completion.id, 'bedrock-req-1', 'id is the x-amzn-requestid');
  assert.equal(completion.object, 'chat.completion');
  assert.equal(completion.model, BEDROCK_MODEL);
  assert.equal(completion.choices.length, 1);
  assert.equal(completion.choices[0]?.message.role, 'assistant');
  assert.equal(completion.choices[0]?.message.content, 'Hello from Bedrock.');
  assert.equal(completion.choices[0]?.finish_reason, 'stop');
  assert.deepEqual(usageOf(completion.usage), { prompt: 21, completion: 5, total: 26 });

  const seen = bedrock.only();
  assert.equal(seen.method, 'POST');
  assert.equal(seen.url, '/model/anthropic.claude-3-5-sonnet-20241022-v2:0/converse');
  // An fqdn Backend is reached as its hostname, which is also what the signature covers.
  assert.equal(seen.header('host'), 'localhost');
  assertSigned(seen);
  assert.equal(seen.header('content-type'), 'application/json');
  assert.deepEqual(seen.json(), {
    inferenceConfig: { maxTokens: 50, temperature: 0.2 },
    messages: [{ role: 'user', content: [{ text: 'Say hello.' }] }],
    system: [{ text: 'You are terse.' }],
  });
});

test('Bedrock: streaming with include_usage is reassembled by the SDK; the access log has the tokens and the backend', async () => {
  const since = aigw.stdout.length;
  const bedrock = script('bedrock', (_request, response) =>
    sendEventStream(response, converseTextStream(['Once', ' upon', ' a time'], 'max_tokens', { inputTokens: 13, outputTokens: 4 }), 'bedrock-stream-1'),
  );
  const stream = await client('bedrock').chat.completions.create({
    model: BEDROCK_STREAM_MODEL,
    messages: [
      { role: 'system', content: 'Tell stories.' },
      { role: 'user', content: 'A story, please.' },
    ],
    max_tokens: 4,
    stream: true,
    stream_options: { include_usage: true },
  });
  const got = await collect(stream);
  assert.equal(got.text, 'Once upon a time');
  assert.deepEqual(got.finishReasons, ['length'], 'max_tokens is OpenAI length');
  assert.deepEqual(usageOf(got.usage), { prompt: 13, completion: 4, total: 17 });
  assert.deepEqual([...got.ids], ['bedrock-stream-1']);
  assert.deepEqual([...got.models], [BEDROCK_STREAM_MODEL]);

  const seen = bedrock.only();
  assert.equal(seen.url, '/model/anthropic.claude-3-7-sonnet-20250219-v1:0/converse-stream');
  assertSigned(seen);
  assert.deepEqual(seen.json(), {
    inferenceConfig: { maxTokens: 4 },
    messages: [{ role: 'user', content: [{ text: 'A story, please.' }] }],
    system: [{ text: 'Tell stories.' }],
  });

  const entry = await accessLogEntry(aigw, { upstreamPath: '/model/anthropic.claude-3-7-sonnet-20250219-v1:0/converse-stream', model: BEDROCK_STREAM_MODEL }, since);
  assert.equal(entry.method, 'POST');
  assert.equal(entry.response_code, 200);
  assert.equal(entry['gen_ai.usage.input_tokens'], 13);
  assert.equal(entry['gen_ai.usage.output_tokens'], 4);
  assert.equal(entry['gen_ai.usage.total_tokens'], 17);
  assert.match(String(entry.backend), /^default\/bedrock\/route\/aigw-run\/rule\/0\/ref\/0$/);
});

test('Bedrock: a streamed tool call is assembled by the SDK, and the tool result goes back as a Converse toolResult', async () => {
  const bedrock = script('bedrock', (_request, response) =>
    sendEventStream(
      response,
      [
        converseEvent('messageStart', { role: 'assistant' }),
        converseEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Let me check.' } }),
        converseEvent('contentBlockStop', { contentBlockIndex: 0 }),
        converseEvent('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tooluse_paris', name: 'get_weather' } } }),
        converseEvent('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"city":' } } }),
        converseEvent('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '"Paris"}' } } }),
        converseEvent('contentBlockStop', { contentBlockIndex: 1 }),
        converseEvent('messageStop', { stopReason: 'tool_use' }),
        converseEvent('metadata', { usage: { inputTokens: 40, outputTokens: 18, totalTokens: 58 }, metrics: { latencyMs: 1 } }),
      ],
      'bedrock-tools-1',
    ),
  );
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
    { role: 'system', content: 'You report the weather.' },
    { role: 'user', content: 'Weather in Paris?' },
  ];
  const runner = client('bedrock').chat.completions.stream({ model: BEDROCK_MODEL, messages, tools: [WEATHER_TOOL], tool_choice: 'auto', stream_options: { include_usage: true } });
  const first = await runner.finalChatCompletion();
  const choice = first.choices[0];
  assert.ok(choice);
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.equal(choice.message.content, 'Let me check.');
  assert.deepEqual(
    choice.message.tool_calls?.map((call) => (call.type === 'function' ? { id: call.id, name: call.function.name, arguments: call.function.arguments } : call)),
    [{ id: 'tooluse_paris', name: 'get_weather', arguments: '{"city":"Paris"}' }],
  );
  assert.deepEqual(usageOf(first.usage), { prompt: 40, completion: 18, total: 58 });
  const firstSeen = bedrock.only();
  assert.equal(firstSeen.url, '/model/anthropic.claude-3-5-sonnet-20241022-v2:0/converse-stream');
  assertSigned(firstSeen);
  const toolSpec = { toolSpec: { name: 'get_weather', description: 'Current weather for a city', inputSchema: { json: WEATHER_TOOL.function.parameters } } };
  assert.deepEqual(firstSeen.json(), {
    inferenceConfig: {},
    messages: [{ role: 'user', content: [{ text: 'Weather in Paris?' }] }],
    system: [{ text: 'You report the weather.' }],
    toolConfig: { tools: [toolSpec], toolChoice: { auto: {} } },
  });

  // The application sends the SDK's assistant message back as is, then the tool's answer.
  script('bedrock', (_request, response) => sendConverse(response, converseResponse([{ text: 'It is 21°C in Paris.' }], 'end_turn', { inputTokens: 70, outputTokens: 9 }), 'bedrock-tools-2'));
  messages.push(choice.message, { role: 'tool', tool_call_id: 'tooluse_paris', content: '{"temp_c":21}' });
  const second = await client('bedrock').chat.completions.create({ model: BEDROCK_MODEL, messages, tools: [WEATHER_TOOL] });
  assert.equal(second.choices[0]?.message.content, 'It is 21°C in Paris.');
  assert.equal(second.choices[0]?.finish_reason, 'stop');
  assert.deepEqual(usageOf(second.usage), { prompt: 70, completion: 9, total: 79 });
  const secondSeen = bedrock.only();
  assert.equal(secondSeen.url, '/model/anthropic.claude-3-5-sonnet-20241022-v2:0/converse');
  assertSigned(secondSeen);
  assert.deepEqual(secondSeen.json(), {
    inferenceConfig: {},
    messages: [
      { role: 'user', content: [{ text: 'Weather in Paris?' }] },
      { role: 'assistant', content: [{ text: 'Let me check.' }, { toolUse: { toolUseId: 'tooluse_paris', name: 'get_weather', input: { city: 'Paris' } } }] },
      { role: 'user', content: [{ toolResult: { toolUseId: 'tooluse_paris', content: [{ text: '{"temp_c":21}' }] } }] },
    ],
    system: [{ text: 'You report the weather.' }],
    toolConfig: { tools: [toolSpec] },
  });
});

test('Bedrock: a 429 ThrottlingException reaches the SDK as RateLimitError with the provider message', async () => {
  const bedrock = script('bedrock', (_request, response) => sendAwsError(response, 429, 'ThrottlingException', 'Too many tokens, please wait before trying again.'));
  await assert.rejects(client('bedrock').chat.completions.create({ model: BEDROCK_MODEL, messages: [{ role: 'user', content: 'hi' }] }), (error: unknown) => {
    assert.ok(error instanceof OpenAI.RateLimitError, `RateLimitError, got ${String(error)}`);
    assert.equal(error.status, 429);
    assert.equal(error.type, 'ThrottlingException');
    assert.match(error.message, /Too many tokens, please wait before trying again\./);
    return true;
  });
  assert.equal(bedrock.requests.length, 1, 'the gateway does not retry a 429 by itself');
});

test('Bedrock: an exception frame mid-stream makes the SDK stream iteration throw after the text so far', async () => {
  script('bedrock', (_request, response) =>
    sendEventStream(
      response,
      [
        converseEvent('messageStart', { role: 'assistant' }),
        converseEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Partial ' } }),
        converseEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'answer' } }),
        awsStreamException('modelStreamErrorException', 'The model stream failed mid-way.'),
      ],
      'bedrock-stream-err',
    ),
  );
  const stream = await client('bedrock').chat.completions.create({ model: BEDROCK_MODEL, messages: [{ role: 'user', content: 'hi' }], stream: true });
  let text = '';
  await assert.rejects(
    (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })(),
    (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError, `APIError, got ${String(error)}`);
      assert.match(error.message, /The model stream failed mid-way\./);
      return true;
    },
  );
  assert.equal(text, 'Partial answer');
});

test('Bedrock: an image by https URL cannot be expressed in Converse: 422 from the gateway, nothing sent upstream', async () => {
  const bedrock = script('bedrock', (_request, response) => sendJson(response, 200, {}));
  await assert.rejects(
    client('bedrock').chat.completions.create({
      model: BEDROCK_MODEL,
      messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: 'https://example.com/cat.png' } }] }],
    }),
    (error: unknown) => {
      assert.ok(error instanceof OpenAI.UnprocessableEntityError, `UnprocessableEntityError, got ${String(error)}`);
      assert.equal(error.status, 422);
      assert.match(error.message, /data: URI/);
      return true;
    },
  );
  assert.equal(bedrock.requests.length, 0);
});

// ---------------------------------------------------------------- Gemini on Vertex AI

const VERTEX_PREFIX = `/v1/projects/${GCP_PROJECT}/locations/${GCP_REGION}/publishers/google/models`;

test('Vertex AI Gemini: non-streaming chat with ADC token, project path, and a tool-call round trip', async () => {
  const vertex = script('vertex', (_request, response) =>
    sendJson(response, 200, geminiResponse([{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }], { finishReason: 'STOP', usage: { promptTokenCount: 31, candidatesTokenCount: 6 } })),
  );
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
    { role: 'system', content: 'You report the weather.' },
    { role: 'user', content: 'Weather in Paris?' },
  ];
  const first = await client('vertex').chat.completions.create({ model: 'gemini-2.0-flash', messages, tools: [WEATHER_TOOL], max_tokens: 64 });
  const choice = first.choices[0];
  assert.ok(choice);
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.equal(choice.message.content, null);
  const [call] = choice.message.tool_calls ?? [];
  assert.ok(call && call.type === 'function');
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Paris' });
  assert.ok(call.id.length > 0, 'Gemini gives no id; the gateway makes one for the client to answer');
  assert.equal(first.id, 'gemini-response-1');
  assert.equal(first.model, 'gemini-2.0-flash-001', "the model is Gemini's modelVersion, not the name asked for");
  assert.deepEqual(usageOf(first.usage), { prompt: 31, completion: 6, total: 37 });

  const seen = vertex.only();
  assert.equal(seen.url, `${VERTEX_PREFIX}/gemini-2.0-flash:generateContent`);
  assertGcpAuth(seen);
  const body = seen.json();
  assert.ok(isRecord(body));
  assert.deepEqual(body.contents, [{ role: 'user', parts: [{ text: 'Weather in Paris?' }] }]);
  assert.deepEqual(body.systemInstruction, { parts: [{ text: 'You report the weather.' }] });
  assert.deepEqual(body.generationConfig, { maxOutputTokens: 64 });
  assert.deepEqual(body.tools, [{ functionDeclarations: [{ name: 'get_weather', description: 'Current weather for a city', parameters: WEATHER_TOOL.function.parameters }] }]);

  script('vertex', (_request, response) => sendJson(response, 200, geminiResponse([{ text: 'It is 21°C.' }], { finishReason: 'STOP', usage: { promptTokenCount: 50, candidatesTokenCount: 5 } })));
  messages.push(choice.message, { role: 'tool', tool_call_id: call.id, content: '{"temp_c":21}' });
  const second = await client('vertex').chat.completions.create({ model: 'gemini-2.0-flash', messages, tools: [WEATHER_TOOL] });
  assert.equal(second.choices[0]?.message.content, 'It is 21°C.');
  assert.equal(second.choices[0]?.finish_reason, 'stop');
  const again = vertex.only().json();
  assert.ok(isRecord(again));
  assert.deepEqual(again.contents, [
    { role: 'user', parts: [{ text: 'Weather in Paris?' }] },
    { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
    { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp_c: 21 } } }] },
  ]);
  assert.ok(gce.tokensIssued >= 1, 'the token came from the metadata server');
});

test('Vertex AI Gemini: streaming (alt=sse) with include_usage', async () => {
  const vertex = script('vertex', (_request, response) =>
    sendGeminiSse(response, [
      geminiResponse([{ text: 'Bon' }]),
      geminiResponse([{ text: 'jour!' }], { finishReason: 'STOP', usage: { promptTokenCount: 8, candidatesTokenCount: 3 } }),
    ]),
  );
  const stream = await client('vertex').chat.completions.create({
    model: 'gemini-2.0-flash',
    messages: [{ role: 'user', content: 'Greet me in French.' }],
    temperature: 0.5,
    stream: true,
    stream_options: { include_usage: true },
  });
  const got = await collect(stream);
  assert.equal(got.text, 'Bonjour!');
  assert.deepEqual(got.finishReasons, ['stop']);
  assert.deepEqual(usageOf(got.usage), { prompt: 8, completion: 3, total: 11 });
  assert.deepEqual([...got.models], ['gemini-2.0-flash-001'], "every chunk names Gemini's modelVersion");
  const seen = vertex.only();
  assert.equal(seen.path, `${VERTEX_PREFIX}/gemini-2.0-flash:streamGenerateContent`);
  assert.equal(seen.query.get('alt'), 'sse');
  assertGcpAuth(seen);
  const body = seen.json();
  assert.ok(isRecord(body));
  assert.deepEqual(body.contents, [{ role: 'user', parts: [{ text: 'Greet me in French.' }] }]);
  assert.deepEqual(body.generationConfig, { temperature: 0.5 });
});

test('Vertex AI Gemini: a 400 INVALID_ARGUMENT reaches the SDK as BadRequestError with Google\'s message', async () => {
  script('vertex', (_request, response) => sendGoogleError(response, 400, 'INVALID_ARGUMENT', 'Request contains an invalid argument: contents is empty.'));
  await assert.rejects(client('vertex').chat.completions.create({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
    assert.ok(error instanceof OpenAI.BadRequestError, `BadRequestError, got ${String(error)}`);
    assert.equal(error.status, 400);
    assert.equal(error.type, 'INVALID_ARGUMENT');
    assert.match(error.message, /Request contains an invalid argument: contents is empty\./);
    return true;
  });
});

// ---------------------------------------------------------------- Anthropic

const ANTHROPIC_TOOL = { name: 'get_weather', description: 'Current weather for a city', input_schema: WEATHER_TOOL.function.parameters };

test('Anthropic: system prompt and a tool-call round trip, with x-api-key and anthropic-version', async () => {
  const anthropic = script('anthropic', (_request, response) =>
    sendJson(
      response,
      200,
      anthropicMessage({
        id: 'msg_tool_1',
        model: 'claude-sonnet-4-5-20250929',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } },
        ],
        stopReason: 'tool_use',
        usage: { input_tokens: 30, output_tokens: 12 },
      }),
    ),
  );
  const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [
    { role: 'system', content: 'You report the weather.' },
    { role: 'user', content: 'Weather in Paris?' },
  ];
  const first = await client('anthropic').chat.completions.create({ model: 'claude-sonnet-4-5', messages, tools: [WEATHER_TOOL], tool_choice: 'auto' });
  const choice = first.choices[0];
  assert.ok(choice);
  assert.equal(first.id, 'msg_tool_1');
  assert.equal(first.model, 'claude-sonnet-4-5-20250929');
  assert.equal(choice.finish_reason, 'tool_calls');
  assert.equal(choice.message.content, 'Checking.');
  assert.deepEqual(choice.message.tool_calls, [{ id: 'toolu_01', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }]);
  assert.deepEqual(usageOf(first.usage), { prompt: 30, completion: 12, total: 42 });

  const seen = anthropic.only();
  assert.equal(seen.url, '/v1/messages');
  assert.equal(seen.header('x-api-key'), ANTHROPIC_KEY);
  assert.equal(seen.header('anthropic-version'), '2023-06-01');
  assert.deepEqual(seen.json(), {
    model: 'claude-sonnet-4-5',
    max_tokens: 4096,
    system: [{ type: 'text', text: 'You report the weather.' }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] }],
    tools: [ANTHROPIC_TOOL],
    tool_choice: { type: 'auto' },
  });

  script('anthropic', (_request, response) =>
    sendJson(response, 200, anthropicMessage({ id: 'msg_tool_2', model: 'claude-sonnet-4-5-20250929', content: [{ type: 'text', text: '21°C and sunny.' }], stopReason: 'end_turn', usage: { input_tokens: 60, output_tokens: 7 } })),
  );
  messages.push(choice.message, { role: 'tool', tool_call_id: 'toolu_01', content: '{"temp_c":21}' });
  const second = await client('anthropic').chat.completions.create({ model: 'claude-sonnet-4-5', messages, tools: [WEATHER_TOOL], max_tokens: 300 });
  assert.equal(second.choices[0]?.message.content, '21°C and sunny.');
  assert.equal(second.choices[0]?.finish_reason, 'stop');
  assert.deepEqual(anthropic.only().json(), {
    model: 'claude-sonnet-4-5',
    max_tokens: 300,
    system: [{ type: 'text', text: 'You report the weather.' }],
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: 'Checking.' },
          { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris' } },
        ],
      },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: '{"temp_c":21}' }] },
    ],
    tools: [ANTHROPIC_TOOL],
  });
});

test('Anthropic: streaming with include_usage is reassembled by the SDK', async () => {
  const anthropic = script('anthropic', (_request, response) =>
    sendAnthropicSse(
      response,
      anthropicStreamEvents({ id: 'msg_stream_1', model: 'claude-sonnet-4-5-20250929', blocks: [{ type: 'text', pieces: ['Bon', 'jour', ' à tous'] }], stopReason: 'end_turn', usage: { input_tokens: 12, output_tokens: 5 } }),
    ),
  );
  const stream = await client('anthropic').chat.completions.create({
    model: 'claude-sonnet-4-5',
    messages: [{ role: 'user', content: 'Greet everyone in French.' }],
    max_tokens: 100,
    stream: true,
    stream_options: { include_usage: true },
  });
  const got = await collect(stream);
  assert.equal(got.text, 'Bonjour à tous');
  assert.deepEqual(got.finishReasons, ['stop']);
  assert.deepEqual(usageOf(got.usage), { prompt: 12, completion: 5, total: 17 });
  assert.deepEqual([...got.ids], ['msg_stream_1']);
  const seen = anthropic.only();
  assert.equal(seen.url, '/v1/messages');
  assert.equal(seen.header('x-api-key'), ANTHROPIC_KEY);
  assert.deepEqual(seen.json(), { model: 'claude-sonnet-4-5', max_tokens: 100, messages: [{ role: 'user', content: [{ type: 'text', text: 'Greet everyone in French.' }] }], stream: true });
});

// ---------------------------------------------------------------- Claude on Bedrock InvokeModel

test('AWSAnthropic: non-streaming chat goes to /invoke, signed, with anthropic_version and no model', async () => {
  const aws = script('aws-anthropic', (_request, response) =>
    sendJson(response, 200, anthropicMessage({ id: 'msg_bdrk_1', model: CLAUDE_ON_AWS, content: [{ type: 'text', text: 'Hi from Claude on Bedrock.' }], stopReason: 'end_turn', usage: { input_tokens: 9, output_tokens: 8 } }), {
      'x-amzn-requestid': 'aws-anthropic-1',
    }),
  );
  const completion = await client('aws-anthropic').chat.completions.create({
    model: CLAUDE_ON_AWS,
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ],
    max_tokens: 20,
  });
  assert.equal(completion.choices[0]?.message.content, 'Hi from Claude on Bedrock.');
  assert.equal(completion.choices[0]?.finish_reason, 'stop');
  assert.deepEqual(usageOf(completion.usage), { prompt: 9, completion: 8, total: 17 });
  const seen = aws.only();
  assert.equal(seen.url, '/model/anthropic.claude-3-5-haiku-20241022-v1:0/invoke');
  assertSigned(seen);
  assert.deepEqual(seen.json(), {
    anthropic_version: 'bedrock-2023-05-31',
    max_tokens: 20,
    system: [{ type: 'text', text: 'Be brief.' }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
  });
});

test('AWSAnthropic: streaming goes to /invoke-with-response-stream; chunk events are reassembled with usage', async () => {
  const aws = script('aws-anthropic', (_request, response) =>
    sendEventStream(
      response,
      anthropicStreamEvents({ id: 'msg_bdrk_2', model: CLAUDE_ON_AWS, blocks: [{ type: 'text', pieces: ['Streaming', ' from', ' Bedrock'] }], stopReason: 'max_tokens', usage: { input_tokens: 14, output_tokens: 3 } }).map(invokeChunk),
      'aws-anthropic-2',
    ),
  );
  const stream = await client('aws-anthropic').chat.completions.create({
    model: CLAUDE_ON_AWS,
    messages: [{ role: 'user', content: 'Stream please.' }],
    max_tokens: 3,
    stream: true,
    stream_options: { include_usage: true },
  });
  const got = await collect(stream);
  assert.equal(got.text, 'Streaming from Bedrock');
  assert.deepEqual(got.finishReasons, ['length']);
  assert.deepEqual(usageOf(got.usage), { prompt: 14, completion: 3, total: 17 });
  const seen = aws.only();
  assert.equal(seen.url, '/model/anthropic.claude-3-5-haiku-20241022-v1:0/invoke-with-response-stream');
  assertSigned(seen);
  assert.deepEqual(seen.json(), { anthropic_version: 'bedrock-2023-05-31', max_tokens: 3, messages: [{ role: 'user', content: [{ type: 'text', text: 'Stream please.' }] }] });
});

// ---------------------------------------------------------------- Claude on Vertex rawPredict

const GCP_ANTHROPIC_PATH = `/v1/projects/${GCP_PROJECT}/locations/${GCP_REGION}/publishers/anthropic/models/${CLAUDE_ON_GCP}`;

test('GCPAnthropic: non-streaming chat goes to :rawPredict with the Vertex anthropic_version', async () => {
  const gcp = script('gcp-anthropic', (_request, response) =>
    sendJson(response, 200, anthropicMessage({ id: 'msg_vrtx_1', model: CLAUDE_ON_GCP, content: [{ type: 'text', text: 'Hi from Claude on Vertex.' }], stopReason: 'end_turn', usage: { input_tokens: 10, output_tokens: 7 } })),
  );
  const completion = await client('gcp-anthropic').chat.completions.create({
    model: CLAUDE_ON_GCP,
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ],
    max_tokens: 30,
  });
  assert.equal(completion.choices[0]?.message.content, 'Hi from Claude on Vertex.');
  assert.equal(completion.choices[0]?.finish_reason, 'stop');
  assert.deepEqual(usageOf(completion.usage), { prompt: 10, completion: 7, total: 17 });
  const seen = gcp.only();
  assert.equal(seen.url, `${GCP_ANTHROPIC_PATH}:rawPredict`);
  assertGcpAuth(seen);
  assert.deepEqual(seen.json(), {
    anthropic_version: 'vertex-2023-10-16',
    max_tokens: 30,
    system: [{ type: 'text', text: 'Be brief.' }],
    messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }],
  });
});

test('GCPAnthropic: streaming goes to :streamRawPredict and is reassembled with usage', async () => {
  const gcp = script('gcp-anthropic', (_request, response) =>
    sendAnthropicSse(
      response,
      anthropicStreamEvents({ id: 'msg_vrtx_2', model: CLAUDE_ON_GCP, blocks: [{ type: 'text', pieces: ['Vertex', ' streams'] }], stopReason: 'end_turn', usage: { input_tokens: 11, output_tokens: 2 } }),
    ),
  );
  const stream = await client('gcp-anthropic').chat.completions.create({
    model: CLAUDE_ON_GCP,
    messages: [{ role: 'user', content: 'Stream.' }],
    max_tokens: 10,
    stream: true,
    stream_options: { include_usage: true },
  });
  const got = await collect(stream);
  assert.equal(got.text, 'Vertex streams');
  assert.deepEqual(got.finishReasons, ['stop']);
  assert.deepEqual(usageOf(got.usage), { prompt: 11, completion: 2, total: 13 });
  const seen = gcp.only();
  assert.equal(seen.url, `${GCP_ANTHROPIC_PATH}:streamRawPredict`);
  assertGcpAuth(seen);
  assert.deepEqual(seen.json(), { anthropic_version: 'vertex-2023-10-16', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'text', text: 'Stream.' }] }], stream: true });
});

// ---------------------------------------------------------------- more streaming shapes and errors

test('Bedrock: two tool calls in one stream get OpenAI indexes 0 and 1 and are both assembled', async () => {
  script('bedrock', (_request, response) =>
    sendEventStream(
      response,
      [
        converseEvent('messageStart', { role: 'assistant' }),
        converseEvent('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'tooluse_a', name: 'get_weather' } } }),
        converseEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '{"city":"Paris"}' } } }),
        converseEvent('contentBlockStop', { contentBlockIndex: 0 }),
        converseEvent('contentBlockStart', { contentBlockIndex: 1, start: { toolUse: { toolUseId: 'tooluse_b', name: 'get_weather' } } }),
        converseEvent('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '{"city":' } } }),
        converseEvent('contentBlockDelta', { contentBlockIndex: 1, delta: { toolUse: { input: '"Rome"}' } } }),
        converseEvent('contentBlockStop', { contentBlockIndex: 1 }),
        converseEvent('messageStop', { stopReason: 'tool_use' }),
        converseEvent('metadata', { usage: { inputTokens: 50, outputTokens: 30, totalTokens: 80 }, metrics: { latencyMs: 1 } }),
      ],
      'bedrock-tools-parallel',
    ),
  );
  const final = await client('bedrock')
    .chat.completions.stream({ model: BEDROCK_MODEL, messages: [{ role: 'user', content: 'Weather in Paris and Rome?' }], tools: [WEATHER_TOOL] })
    .finalChatCompletion();
  assert.equal(final.choices[0]?.finish_reason, 'tool_calls');
  assert.deepEqual(
    final.choices[0]?.message.tool_calls?.map((call) => (call.type === 'function' ? [call.id, call.function.arguments] : [])),
    [
      ['tooluse_a', '{"city":"Paris"}'],
      ['tooluse_b', '{"city":"Rome"}'],
    ],
  );
});

test('Bedrock: tool blocks without contentBlockIndex stay separate calls; no usage chunk unasked, usage still logged', async () => {
  const since = aigw.stdout.length;
  script('bedrock', (_request, response) =>
    sendEventStream(
      response,
      [
        converseEvent('messageStart', { role: 'assistant' }),
        converseEvent('contentBlockStart', { start: { toolUse: { toolUseId: 'tooluse_x', name: 'get_weather' } } }),
        converseEvent('contentBlockDelta', { delta: { toolUse: { input: '{"city":"Oslo"}' } } }),
        converseEvent('contentBlockStop', {}),
        converseEvent('contentBlockStart', { start: { toolUse: { toolUseId: 'tooluse_y', name: 'get_weather' } } }),
        converseEvent('contentBlockDelta', { delta: { toolUse: { input: '{"city":"Bergen"}' } } }),
        converseEvent('contentBlockStop', {}),
        converseEvent('messageStop', { stopReason: 'tool_use' }),
        converseEvent('metadata', { usage: { inputTokens: 40, outputTokens: 20, totalTokens: 60 }, metrics: { latencyMs: 1 } }),
      ],
      'bedrock-tools-unindexed',
    ),
  );
  const stream = await client('bedrock').chat.completions.create({ model: CLAUDE_ON_AWS, messages: [{ role: 'user', content: 'Weather in Oslo and Bergen?' }], tools: [WEATHER_TOOL], stream: true });
  const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.ok(
    chunks.every((chunk) => chunk.choices.length > 0 && chunk.usage === undefined),
    'OpenAI sends the usage chunk only on stream_options.include_usage, and so does the gateway',
  );
  const calls = new Map<number, { id?: string; arguments: string }>();
  for (const call of chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? [])) {
    const known = calls.get(call.index) ?? { arguments: '' };
    calls.set(call.index, { ...known, ...(call.id ? { id: call.id } : {}), arguments: known.arguments + (call.function?.arguments ?? '') });
  }
  assert.deepEqual(Object.fromEntries(calls), { 0: { id: 'tooluse_x', arguments: '{"city":"Oslo"}' }, 1: { id: 'tooluse_y', arguments: '{"city":"Bergen"}' } });
  const entry = await accessLogEntry(aigw, { upstreamPath: `/model/${CLAUDE_ON_AWS}/converse-stream`, model: CLAUDE_ON_AWS }, since);
  assert.equal(entry['gen_ai.usage.input_tokens'], 40);
  assert.equal(entry['gen_ai.usage.output_tokens'], 20);
});

test('Anthropic: a streamed tool_use (input_json_delta pieces) is assembled by the SDK into a tool call', async () => {
  script('anthropic', (_request, response) =>
    sendAnthropicSse(
      response,
      anthropicStreamEvents({
        id: 'msg_stream_tool',
        model: 'claude-sonnet-4-5-20250929',
        blocks: [
          { type: 'text', pieces: ['Checking', ' now.'] },
          { type: 'tool_use', id: 'toolu_stream', name: 'get_weather', input: { city: 'Paris' } },
        ],
        stopReason: 'tool_use',
        usage: { input_tokens: 33, output_tokens: 21 },
      }),
    ),
  );
  const final = await client('anthropic')
    .chat.completions.stream({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [WEATHER_TOOL], stream_options: { include_usage: true } })
    .finalChatCompletion();
  const choice = final.choices[0];
  assert.equal(choice?.finish_reason, 'tool_calls');
  assert.equal(choice?.message.content, 'Checking now.');
  assert.deepEqual(
    choice?.message.tool_calls?.map((call) => (call.type === 'function' ? { id: call.id, name: call.function.name, arguments: call.function.arguments } : call)),
    [{ id: 'toolu_stream', name: 'get_weather', arguments: '{"city":"Paris"}' }],
  );
  assert.deepEqual(usageOf(final.usage), { prompt: 33, completion: 21, total: 54 });
});

test('AWSAnthropic: a throttlingException frame mid-stream makes the SDK stream iteration throw', async () => {
  script('aws-anthropic', (_request, response) => {
    const events = anthropicStreamEvents({ id: 'msg_bdrk_err', model: CLAUDE_ON_AWS, blocks: [{ type: 'text', pieces: ['Half', ' an answer'] }], stopReason: 'end_turn', usage: { input_tokens: 5, output_tokens: 2 } });
    // message_start, content_block_start, ping, two deltas; then Bedrock fails.
    return sendEventStream(response, [...events.slice(0, 5).map(invokeChunk), awsStreamException('throttlingException', 'Too many requests, please wait.')], 'aws-anthropic-err');
  });
  const stream = await client('aws-anthropic').chat.completions.create({ model: CLAUDE_ON_AWS, messages: [{ role: 'user', content: 'hi' }], max_tokens: 10, stream: true });
  let text = '';
  await assert.rejects(
    (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    })(),
    (error: unknown) => {
      assert.ok(error instanceof OpenAI.APIError, `APIError, got ${String(error)}`);
      assert.match(error.message, /Too many requests, please wait\./);
      return true;
    },
  );
  assert.equal(text, 'Half an answer');
});

test('Anthropic: a 400 invalid_request_error reaches the SDK as BadRequestError with Anthropic\'s message', async () => {
  script('anthropic', (_request, response) => sendJson(response, 400, { type: 'error', error: { type: 'invalid_request_error', message: 'messages: roles must alternate' } }));
  await assert.rejects(client('anthropic').chat.completions.create({ model: 'claude-sonnet-4-5', messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
    assert.ok(error instanceof OpenAI.BadRequestError, `BadRequestError, got ${String(error)}`);
    assert.equal(error.type, 'invalid_request_error');
    assert.match(error.message, /messages: roles must alternate/);
    return true;
  });
});

test('AWSAnthropic: a 400 ValidationException reaches the SDK as BadRequestError typed by x-amzn-errortype', async () => {
  script('aws-anthropic', (_request, response) => sendAwsError(response, 400, 'ValidationException', 'max_tokens: Input should be a valid integer'));
  await assert.rejects(client('aws-anthropic').chat.completions.create({ model: CLAUDE_ON_AWS, messages: [{ role: 'user', content: 'x' }] }), (error: unknown) => {
    assert.ok(error instanceof OpenAI.BadRequestError, `BadRequestError, got ${String(error)}`);
    assert.equal(error.type, 'ValidationException');
    assert.match(error.message, /max_tokens: Input should be a valid integer/);
    return true;
  });
});

test('Vertex AI Gemini: a streamed functionCall becomes a tool call the SDK assembles', async () => {
  script('vertex', (_request, response) =>
    sendGeminiSse(response, [
      geminiResponse([{ functionCall: { name: 'get_weather', args: { city: 'Oslo' } } }], { finishReason: 'STOP', usage: { promptTokenCount: 20, candidatesTokenCount: 4 } }),
    ]),
  );
  const final = await client('vertex')
    .chat.completions.stream({ model: 'gemini-2.0-flash', messages: [{ role: 'user', content: 'Weather in Oslo?' }], tools: [WEATHER_TOOL], stream_options: { include_usage: true } })
    .finalChatCompletion();
  const call = final.choices[0]?.message.tool_calls?.[0];
  assert.ok(call && call.type === 'function');
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { city: 'Oslo' });
  assert.equal(final.choices[0]?.finish_reason, 'tool_calls');
  assert.deepEqual(usageOf(final.usage), { prompt: 20, completion: 4, total: 24 });
});
