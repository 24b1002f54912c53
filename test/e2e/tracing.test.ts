/**
 * End to end: with OTEL_EXPORTER_OTLP_ENDPOINT set, the real `aigw` exports one OpenInference
 * span per request to an OTLP/HTTP receiver, joins the client's traceparent and carries its own
 * span to the upstream.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import OpenAI, { toFile } from 'openai';
import { freePort, gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { runCli } from '../support/run-cli.js';

let upstream: FakeOpenAI;
let receiver: OtlpReceiver;
let aigw: AigwProcess;
let client: OpenAI;

const SPAN_KIND_INTERNAL = 1;
const STATUS_ERROR = 2;

before(async () => {
  upstream = await startFakeOpenAI({ usage: { promptTokens: 11, completionTokens: 7 }, contentChunks: ['Hello', ' from', ' the fake'] });
  receiver = await startOtlpReceiver();
  aigw = await startAigw({
    configYaml: (port) => gatewayConfigYaml({ port, upstreamPort: upstream.port, models: ['gpt-4o-mini', 'text-embedding-3-small', 'gpt-3.5-turbo-instruct', 'dall-e-3', 'whisper-1', 'gpt-4o-transcribe'] }),
    env: {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '50',
      OTEL_SERVICE_NAME: 'aigw-e2e',
      OTEL_AIGW_SPAN_REQUEST_HEADER_ATTRIBUTES: 'x-team-id:team.id',
    },
  });
  const port = aigw.port;
  client = new OpenAI({ baseURL: `http://localhost:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
  await receiver?.close();
});

function newTraceparent(): { traceId: string; parentId: string; header: string } {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { traceId, parentId, header: `00-${traceId}-${parentId}-01` };
}

test('chat completion: span joins the client trace, carries OpenInference attributes and reaches the upstream', async () => {
  upstream.reset();
  const trace = newTraceparent();
  await client.chat.completions.create(
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say this is a test!' }] },
    { headers: { traceparent: trace.header, 'x-team-id': 'blue' } },
  );
  const span = await receiver.waitForSpan((candidate) => candidate.traceId === trace.traceId);
  assert.equal(span.name, 'ChatCompletion');
  assert.equal(span.kind, SPAN_KIND_INTERNAL);
  assert.equal(span.parentSpanId, trace.parentId);
  assert.equal(span.resource['service.name'], 'aigw-e2e');
  const a = span.attributes;
  assert.equal(a['openinference.span.kind'], 'LLM');
  assert.equal(a['llm.system'], 'openai');
  assert.equal(a['llm.model_name'], 'gpt-4o-mini');
  assert.deepEqual(JSON.parse(String(a['input.value'])), { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say this is a test!' }] });
  assert.equal(a['llm.input_messages.0.message.role'], 'user');
  assert.equal(a['llm.input_messages.0.message.content'], 'Say this is a test!');
  assert.equal(a['llm.output_messages.0.message.content'], 'Hello from the fake');
  assert.equal(a['llm.token_count.prompt'], 11);
  assert.equal(a['llm.token_count.completion'], 7);
  assert.equal(a['llm.token_count.total'], 18);
  assert.equal(a['team.id'], 'blue');
  assert.notEqual(span.status.code, STATUS_ERROR);

  // The upstream request carries the gateway's span, in the client's trace.
  const traceparent = upstream.requests[0]?.header('traceparent');
  assert.equal(traceparent, `00-${trace.traceId}-${span.spanId}-01`);
});

test('streaming chat completion: the accumulated answer and the first-token event', async () => {
  const trace = newTraceparent();
  const stream = await client.chat.completions.create(
    { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'stream please' }], stream: true, stream_options: { include_usage: true } },
    { headers: { traceparent: trace.header } },
  );
  for await (const chunk of stream) void chunk;
  const span = await receiver.waitForSpan((candidate) => candidate.traceId === trace.traceId);
  assert.equal(span.name, 'ChatCompletion');
  assert.equal(span.attributes['llm.output_messages.0.message.content'], 'Hello from the fake');
  assert.equal(span.attributes['llm.token_count.total'], 18);
  assert.deepEqual(span.events.map((event) => event.name), ['First Token Stream Event']);
});

test('a stream without include_usage: the client gets no usage chunk, the span still has the token counts the gateway read', async () => {
  const trace = newTraceparent();
  const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'stream please' }], stream: true }, { headers: { traceparent: trace.header } });
  let usageChunks = 0;
  for await (const chunk of stream) if (chunk.usage) usageChunks++;
  assert.equal(usageChunks, 0, 'the client did not ask for usage');
  const span = await receiver.waitForSpan((candidate) => candidate.traceId === trace.traceId);
  assert.equal(span.attributes['llm.token_count.prompt'], 11);
  assert.equal(span.attributes['llm.token_count.completion'], 7);
  assert.equal(span.attributes['llm.token_count.total'], 18);
});

test('embeddings: an EMBEDDING span', async () => {
  const trace = newTraceparent();
  await client.embeddings.create({ model: 'text-embedding-3-small', input: 'embed me' }, { headers: { traceparent: trace.header } });
  const span = await receiver.waitForSpan((candidate) => candidate.traceId === trace.traceId);
  assert.equal(span.name, 'CreateEmbeddings');
  assert.equal(span.attributes['openinference.span.kind'], 'EMBEDDING');
  assert.equal(span.attributes['embedding.model_name'], 'text-embedding-3-small');
  assert.equal(span.attributes['embedding.embeddings.0.embedding.text'], 'embed me');
});

test('legacy completions: a Completion span with prompts and choices', async () => {
  const trace = newTraceparent();
  const completion = await client.completions.create({ model: 'gpt-3.5-turbo-instruct', prompt: 'Say hi' }, { headers: { traceparent: trace.header } });
  const span = await receiver.waitForSpan((candidate) => candidate.traceId === trace.traceId);
  assert.equal(span.name, 'Completion');
  assert.equal(span.attributes['llm.prompts.0.prompt.text'], 'Say hi');
  assert.equal(span.attributes['llm.choices.0.completion.text'], completion.choices[0]?.text);
  assert.equal(span.attributes['llm.token_count.total'], 18);
});

test('upstream error: ERROR status and an exception event with the provider body', async () => {
  upstream.configure({ error: { status: 400, times: 1 } });
  const trace = newTraceparent();
  await assert.rejects(
    client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'fail' }] }, { headers: { traceparent: trace.header } }),
    (error: unknown) => error instanceof OpenAI.APIError && error.status === 400,
  );
  const span = await receiver.waitForSpan((candidate) => candidate.traceId === trace.traceId);
  assert.equal(span.status.code, STATUS_ERROR);
  assert.match(span.status.message ?? '', /^Error code: 400 - /);
  const [event] = span.events;
  assert.equal(event?.name, 'exception');
  assert.equal(event?.attributes['exception.type'], 'BadRequestError');
});

test('gateway local reply (unknown model): the span records the 404', async () => {
  const trace = newTraceparent();
  await assert.rejects(
    client.chat.completions.create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }, { headers: { traceparent: trace.header } }),
    (error: unknown) => error instanceof OpenAI.APIError && error.status === 404,
  );
  const span = await receiver.waitForSpan((candidate) => candidate.traceId === trace.traceId);
  assert.equal(span.status.code, STATUS_ERROR);
  assert.equal(span.events[0]?.attributes['exception.type'], 'NotFoundError');
});

const TRANSCRIPT = 'The sun rises in the east.';

/** The fake provider answers the image and audio endpoints (the other paths fall through). */
function answerImagesAndAudio(): void {
  upstream.configure({
    handler: (request, response) => {
      if (request.path === '/v1/images/generations') {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ created: 1, data: [{ url: 'https://images.example/cat.png' }] }));
      } else if (request.path === '/v1/audio/transcriptions' && request.text().includes('gpt-4o-transcribe')) {
        response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(`data: ${JSON.stringify({ type: 'transcript.text.delta', delta: 'The sun ' })}\n\n`);
        response.end(`data: ${JSON.stringify({ type: 'transcript.text.done', text: TRANSCRIPT })}\n\n`);
      } else if (request.path === '/v1/audio/transcriptions' || request.path === '/v1/audio/translations') {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ text: TRANSCRIPT }));
      } else {
        return false;
      }
    },
  });
}

test('image generation: an ImagesResponse span with the request and the re-serialized response', async () => {
  answerImagesAndAudio();
  try {
    const trace = newTraceparent();
    await client.images.generate({ model: 'dall-e-3', prompt: 'a cat playing with yarn' }, { headers: { traceparent: trace.header } });
    const span = await receiver.waitForSpan((candidate) => candidate.traceId === trace.traceId);
    assert.equal(span.name, 'ImagesResponse');
    assert.equal(span.kind, SPAN_KIND_INTERNAL);
    assert.equal(span.parentSpanId, trace.parentId);
    assert.equal(span.attributes['openinference.span.kind'], 'LLM');
    assert.equal(span.attributes['llm.system'], 'openai');
    assert.deepEqual(JSON.parse(String(span.attributes['input.value'])), { model: 'dall-e-3', prompt: 'a cat playing with yarn' });
    assert.equal(span.attributes['llm.invocation_parameters'], span.attributes['input.value']);
    assert.deepEqual(JSON.parse(String(span.attributes['output.value'])), { created: 1, data: [{ url: 'https://images.example/cat.png' }] });
    assert.equal(span.status.code, 1, 'STATUS_CODE_OK');
  } finally {
    upstream.reset();
  }
});

test('audio transcription and translation: spans with the upload summarised and the text as output', async () => {
  answerImagesAndAudio();
  try {
    const audio = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(60)]);
    const transcribed = newTraceparent();
    await client.audio.transcriptions.create({ model: 'whisper-1', file: await toFile(audio, 'speech.wav'), language: 'en' }, { headers: { traceparent: transcribed.header } });
    const transcription = await receiver.waitForSpan((candidate) => candidate.traceId === transcribed.traceId);
    assert.equal(transcription.name, 'Transcription');
    assert.equal(transcription.attributes['llm.model_name'], 'whisper-1');
    assert.deepEqual(JSON.parse(String(transcription.attributes['input.value'])), { model: 'whisper-1', file_name: 'speech.wav', file_size: 64, language: 'en', response_format: '' });
    assert.equal(transcription.attributes['output.value'], TRANSCRIPT);
    assert.equal(transcription.attributes['output.mime_type'], 'text/plain');
    assert.ok(!JSON.stringify(transcription.attributes).includes('RIFF'), 'the audio is not recorded');

    const translated = newTraceparent();
    await client.audio.translations.create({ model: 'whisper-1', file: await toFile(audio, 'speech.wav') }, { headers: { traceparent: translated.header } });
    const translation = await receiver.waitForSpan((candidate) => candidate.traceId === translated.traceId);
    assert.equal(translation.name, 'Translation');
    assert.deepEqual(JSON.parse(String(translation.attributes['input.value'])), { model: 'whisper-1', file_name: 'speech.wav', file_size: 64, response_format: '' });
    assert.equal(translation.attributes['output.value'], TRANSCRIPT);

    const streamed = newTraceparent();
    const stream = await client.audio.transcriptions.create({ model: 'gpt-4o-transcribe', file: await toFile(audio, 'speech.wav'), stream: true }, { headers: { traceparent: streamed.header } });
    for await (const event of stream) void event;
    const streamSpan = await receiver.waitForSpan((candidate) => candidate.traceId === streamed.traceId);
    assert.equal(streamSpan.name, 'Transcription');
    assert.equal(streamSpan.attributes['output.value'], TRANSCRIPT, 'the done event\'s text');
  } finally {
    upstream.reset();
  }
});

test('Anthropic messages, streamed (translated from OpenAI chat): a Message span folded from the events', async () => {
  const trace = newTraceparent();
  const response = await fetch(client.baseURL.replace(/\/v1$/, '/anthropic/v1/messages'), {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', traceparent: trace.header },
    body: JSON.stringify({ model: 'gpt-4o-mini', max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'Say hi' }] }),
  });
  const events = await response.text();
  assert.equal(response.status, 200, events);
  assert.match(events, /event: message_stop/);
  const span = await receiver.waitForSpan((candidate) => candidate.traceId === trace.traceId);
  assert.equal(span.name, 'Message');
  assert.equal(span.attributes['llm.system'], 'anthropic');
  assert.equal(span.attributes['llm.input_messages.0.message.content'], 'Say hi');
  assert.equal(span.attributes['llm.output_messages.0.message.role'], 'assistant');
  assert.equal(span.attributes['llm.output_messages.0.message.content'], 'Hello from the fake');
  assert.equal(span.attributes['llm.token_count.completion'], 7);
  assert.equal(span.attributes['llm.token_count.prompt'], 11);
  assert.deepEqual(span.events.map((event) => event.name), ['First Token Stream Event']);
  const output: unknown = JSON.parse(String(span.attributes['output.value']));
  assert.ok(typeof output === 'object' && output !== null && 'content' in output);
  assert.deepEqual(output.content, [{ type: 'text', text: 'Hello from the fake' }]);
});

/**
 * Starts a second gateway with `env` added (OTLP to the receiver unless `env` says otherwise),
 * sends `request` with a fresh traceparent and returns the span it exported.
 */
async function spanFromGateway(
  env: Record<string, string>,
  request: (client: OpenAI, headers: { traceparent: string }) => Promise<unknown>,
): Promise<{ span: ReceivedSpan; trace: ReturnType<typeof newTraceparent> }> {
  const gateway = await startAigw({
    configYaml: (port) => gatewayConfigYaml({ port, upstreamPort: upstream.port, models: ['gpt-4o-mini'], accessLog: false }),
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '50', ...env },
  });
  const port = gateway.port;
  try {
    const trace = newTraceparent();
    const client = new OpenAI({ baseURL: `http://localhost:${port}/v1`, apiKey: 'unused', maxRetries: 0 });
    await request(client, { traceparent: trace.header });
    return { span: await receiver.waitForSpan((candidate) => candidate.traceId === trace.traceId), trace };
  } finally {
    await gateway.stop();
  }
}

for (const protocol of ['grpc', 'http/protobuf'] as const) {
  test(`OTLP over ${protocol}: the span arrives with its attributes`, async () => {
    const { span, trace } = await spanFromGateway(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: protocol === 'grpc' ? receiver.grpcUrl : receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=e2e',
      },
      (client, headers) => client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: protocol }] }, { headers }),
    );
    assert.equal(span.name, 'ChatCompletion');
    assert.equal(span.parentSpanId, trace.parentId);
    assert.equal(span.attributes['llm.input_messages.0.message.content'], protocol);
    assert.equal(span.attributes['llm.token_count.prompt'], 11);
    assert.equal(span.resource['service.name'], 'ai-gateway');
    assert.equal(span.resource['deployment.environment'], 'e2e');
  });
}

test('OPENINFERENCE_HIDE_INPUTS / _OUTPUTS reach the exported span', async () => {
  const { span } = await spanFromGateway({ OPENINFERENCE_HIDE_INPUTS: 'true', OPENINFERENCE_HIDE_OUTPUTS: 'true' }, (client, headers) =>
    client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'secret prompt' }] }, { headers }),
  );
  assert.equal(span.attributes['input.value'], '__REDACTED__');
  assert.equal(span.attributes['output.value'], '__REDACTED__');
  assert.ok(!JSON.stringify(span.attributes).includes('secret prompt'));
  assert.ok(!JSON.stringify(span.attributes).includes('Hello from the fake'));
  assert.equal(span.attributes['llm.token_count.total'], 18);
});

test('AI_GATEWAY_TRACING_SEMCONV=gen_ai: a CLIENT span "chat <model>" with GenAI attributes', async () => {
  const { span } = await spanFromGateway({ AI_GATEWAY_TRACING_SEMCONV: 'gen_ai' }, (client, headers) =>
    client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'private words' }], temperature: 0.3 }, { headers }),
  );
  assert.equal(span.name, 'chat gpt-4o-mini');
  assert.equal(span.kind, 3, 'SPAN_KIND_CLIENT');
  assert.equal(span.attributes['gen_ai.operation.name'], 'chat');
  assert.equal(span.attributes['gen_ai.provider.name'], 'openai');
  assert.equal(span.attributes['gen_ai.request.temperature'], 0.3);
  assert.equal(span.attributes['gen_ai.usage.input_tokens'], 11);
  assert.equal(span.attributes['gen_ai.usage.output_tokens'], 7);
  assert.deepEqual(span.attributes['gen_ai.response.finish_reasons'], ['stop']);
  assert.ok(!JSON.stringify(span.attributes).includes('private words'), 'no message content without capture');
});

test('gen_ai with OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true: messages as JSON attributes', async () => {
  const { span } = await spanFromGateway({ AI_GATEWAY_TRACING_SEMCONV: 'gen_ai', OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' }, async (client, headers) => {
    const stream = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'tell me' }], stream: true }, { headers });
    for await (const chunk of stream) void chunk;
  });
  assert.deepEqual(JSON.parse(String(span.attributes['gen_ai.input.messages'])), [{ role: 'user', parts: [{ type: 'text', content: 'tell me' }] }]);
  assert.deepEqual(JSON.parse(String(span.attributes['gen_ai.output.messages'])), [
    { role: 'assistant', parts: [{ type: 'text', content: 'Hello from the fake' }], finish_reason: 'stop' },
  ]);
});

test('bad tracing settings stop aigw run with exit 1 and a message naming the variable', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-badotel-'));
  const config = join(dir, 'config.yaml');
  await writeFile(config, gatewayConfigYaml({ port: await freePort(), upstreamPort: upstream.port, accessLog: false }));
  for (const [env, message] of [
    [{ AI_GATEWAY_TRACING_SEMCONV: 'otel' }, /AI_GATEWAY_TRACING_SEMCONV must be "openinference" or "gen_ai", got "otel"/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' }, /OTEL_EXPORTER_OTLP_PROTOCOL must be grpc, http\/protobuf or http\/json, got "thrift"/],
  ] as const) {
    const result = await runCli(['run', config, '--admin-port', '0'], { env });
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, message);
  }
});
