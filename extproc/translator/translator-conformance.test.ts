import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findEndpoint, type Endpoint, type TranslatedEndpointName } from '../request/endpoints.js';
import { SCHEMA_NAMES, type BackendConfig, type BackendSchema, type SchemaName } from '../../contract/filter-config.js';
import { GatewayError } from '../errors/gateway-error.js';
import { isRecord, type JsonRecord } from '../../common/json-guards.js';
import type { TokenUsage } from '../usage/token-usage.js';
import { encodeAwsEvent } from './aws-event-stream.js';
import { CLIENT_MODEL, MINIMAL_REQUESTS, PROBES, streamingRequest } from '../../test/support/conformance-requests.js';
import { isUnsupported, TRANSLATORS } from './translator-table.js';
import type { ProviderWire as BackendWire } from '../../providers/provider-descriptor.js';
import { mapProviders, PROVIDERS } from '../../providers/providers.js';
import type { ClientRequest, ResponseBodyTranslation, Translator, TranslatorFactory } from './translator.js';
import { parseSseEvents } from '../../common/sse/sse-reader.js';

/**
 * The conformance suite every translator in `TRANSLATORS` runs (the hono `common.case.test.ts`
 * idea): one `test()` per (endpoint, backend schema, rule), so a failure names the pair. The
 * rules are the contract of `translator.ts`; provider-specific behaviour is tested next to each
 * translator. Adding a pair to the table enrols it here: the suite then asks for the provider's
 * wire format in `providerWire` if it does not know it yet.
 */

const OVERRIDE_MODEL = 'conformance-override-model';

const ENDPOINT_PATHS: Readonly<Record<TranslatedEndpointName, string>> = {
  'chat-completions': '/v1/chat/completions',
  completions: '/v1/completions',
  embeddings: '/v1/embeddings',
  responses: '/v1/responses',
  'responses-input-tokens': '/v1/responses/input_tokens',
  'images-generations': '/v1/images/generations',
  'audio-speech': '/v1/audio/speech',
  'audio-transcriptions': '/v1/audio/transcriptions',
  'audio-translations': '/v1/audio/translations',
  messages: '/anthropic/v1/messages',
  'count-tokens': '/anthropic/v1/messages/count_tokens',
  rerank: '/cohere/v2/rerank',
  tokenize: '/tokenize',
};

/**
 * The versions an AIServiceBackend would set, for the schemas that take one; the others get the
 * descriptor's default prefix, as the compiler gives them.
 */
const VERSIONS: Readonly<Partial<Record<SchemaName, string>>> = {
  AzureOpenAI: '2025-01-01-preview',
  AWSAnthropic: 'bedrock-2023-05-31',
  GCPVertexAI: 'v1',
  GCPAnthropic: 'vertex-2023-10-16',
  Cohere: 'v2',
};

/** Each schema as an AIServiceBackend would configure it. */
const SCHEMAS: Readonly<Record<SchemaName, BackendSchema>> = mapProviders((name, provider): BackendSchema => {
  const version = VERSIONS[name];
  if (provider.addressing.field === 'prefix') return { name, prefix: provider.addressing.defaultPrefix };
  return { name, ...(version !== undefined ? { version } : {}) };
});

/** GCP paths are relative: the GCP authenticator prefixes `/v1/projects/{p}/locations/{r}/`. */
const RELATIVE_PATH_WIRES: ReadonlySet<BackendWire> = new Set<BackendWire>(['gcp-vertexai', 'gcp-anthropic']);
const hasRelativePath = (schema: SchemaName): boolean => RELATIVE_PATH_WIRES.has(PROVIDERS[schema].wire);

/**
 * Pairs whose `needsBody` is true although `request` forwards the client's bytes (no replacement
 * body), with the reason. None today: every translator that reads the body rewrites it.
 */
const NEEDS_BODY_WITHOUT_REPLACING: ReadonlyMap<string, string> = new Map<string, string>();

const ERROR_STATUSES = [400, 429, 500, 503] as const;
const USAGE_FIELDS = ['inputTokens', 'outputTokens', 'totalTokens', 'cachedInputTokens', 'cacheCreationInputTokens', 'reasoningTokens'] as const satisfies readonly (keyof TokenUsage)[];
const SSE = 'text/event-stream';
const AWS_EVENT_STREAM = 'application/vnd.amazon.eventstream';

interface Pair {
  name: TranslatedEndpointName;
  endpoint: Endpoint;
  schema: SchemaName;
  factory: TranslatorFactory;
  label: string;
}

function isTranslatedEndpointName(value: string): value is TranslatedEndpointName {
  return Object.hasOwn(ENDPOINT_PATHS, value);
}

function supportedPairs(): Pair[] {
  const pairs: Pair[] = [];
  for (const name of Object.keys(TRANSLATORS)) {
    assert.ok(isTranslatedEndpointName(name), `the table names an endpoint the suite does not know: ${name}`);
    const endpoint = findEndpoint(ENDPOINT_PATHS[name]);
    assert.ok(endpoint?.name === name, `no endpoint ${name} at ${ENDPOINT_PATHS[name]}`);
    for (const schema of SCHEMA_NAMES) {
      const entry = TRANSLATORS[name][schema];
      if (!isUnsupported(entry)) pairs.push({ name, endpoint, schema, factory: entry, label: `${name} × ${schema}` });
    }
  }
  return pairs;
}

function translatorFor(pair: Pair, override?: string, needsUsage?: boolean): Translator {
  const backend: BackendConfig = {
    name: 'default/conformance/route/r/rule/0/ref/0',
    route: 'default/r',
    aiServiceBackend: 'default/conformance',
    schema: SCHEMAS[pair.schema],
    ...(override !== undefined ? { modelNameOverride: override } : {}),
  };
  return pair.factory({ endpoint: pair.endpoint, backend, originalModel: CLIENT_MODEL, requestModel: override ?? CLIENT_MODEL, ...(needsUsage !== undefined ? { needsUsage } : {}) });
}

/** The client request the router hands on; `pretty` sends the bytes indented, as some clients do. */
function clientOf(pair: Pair, json: JsonRecord, pretty = false): ClientRequest {
  const stream = pair.endpoint.canStream && (json.stream === true || json.stream === 'true');
  if (pair.endpoint.bodyFormat === 'multipart') {
    // Form uploads: the text fields as the router reads them, the bytes with a file part.
    const fields = Object.fromEntries(Object.entries(json).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)]));
    return { raw: multipartBody(fields), json: fields, stream, headers: { 'content-type': `multipart/form-data; boundary=${MULTIPART_BOUNDARY}` } };
  }
  const raw = Buffer.from(pretty ? JSON.stringify(json, null, 2) : JSON.stringify(json));
  return { raw, json, stream, headers: {} };
}

const MULTIPART_BOUNDARY = 'conformance-boundary';

function multipartBody(fields: Record<string, string>): Buffer {
  const parts = Object.entries(fields).map(([name, value]) => `--${MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  const file = `--${MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\nRIFF....WAVE\r\n`;
  return Buffer.from(`${parts.join('')}${file}--${MULTIPART_BOUNDARY}--\r\n`);
}

/** The `model` form field of a multipart body. */
function multipartModel(body: Buffer): string | undefined {
  return /name="model"\r\n\r\n([^\r]*)\r\n/.exec(body.toString('latin1'))?.[1];
}

/** The same request with `model` as its last field (byte patchers must not assume it comes first). */
function modelLast(json: JsonRecord): JsonRecord {
  const { model, ...rest } = json;
  return { ...rest, model };
}

/** The request variants every rule on requests runs: with and without an override, streaming where possible. */
interface Variant {
  label: string;
  override?: string;
  json: JsonRecord;
  pretty?: boolean;
}

function variants(pair: Pair): Variant[] {
  const bodies: [string, JsonRecord][] = [['non-streaming', MINIMAL_REQUESTS[pair.name]]];
  if (pair.endpoint.canStream) bodies.push(['streaming', streamingRequest(pair.name)]);
  return [
    ...bodies.flatMap(([kind, json]) => [
      { label: `${kind}, no override`, json },
      { label: `${kind}, override`, override: OVERRIDE_MODEL, json },
    ]),
    { label: 'indented bytes with model last, override', override: OVERRIDE_MODEL, json: modelLast(MINIMAL_REQUESTS[pair.name]), pretty: true },
  ];
}

function describeError(error: unknown): string {
  if (GatewayError.isInstance(error)) return `GatewayError ${error.status} ${error.replyCode}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `non-Error ${String(error)}`;
}

function parseJson(bytes: Buffer): unknown {
  return JSON.parse(bytes.toString('utf8'));
}

/** Feeds a response in pieces of `size` bytes (an empty response as one empty chunk). */
function feed(translator: Translator, bytes: Buffer, size: number, each?: (result: ResponseBodyTranslation) => void): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  do {
    const end = Math.min(at + size, bytes.length);
    const result = translator.responseBody(bytes.subarray(at, end), end >= bytes.length);
    out.push(result.body ?? bytes.subarray(at, end));
    each?.(result);
    at = end;
  } while (at < bytes.length);
  return Buffer.concat(out);
}

// ---------------------------------------------------------------------------------------------
// What providers answer, per wire format.

/** A provider's successful answers for one pair. */
interface ProviderWire {
  format: string;
  response: { contentType: string; body: Buffer };
  /** An empty successful answer: `{}` for JSON APIs, no bytes for binary ones. */
  empty: Buffer;
  /** Why an empty answer may be refused with a plain Error (this provider always sends content). */
  requiresContent?: string;
  /** The provider's stream (for endpoints that can stream). */
  stream?: { contentType: string; body: Buffer };
}

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));
const sse = (events: readonly unknown[], done = false): Buffer =>
  Buffer.from(events.map((event) => `data: ${JSON.stringify(event)}\n\n`).join('') + (done ? 'data: [DONE]\n\n' : ''));
const namedSse = (events: readonly JsonRecord[]): Buffer =>
  Buffer.from(events.map((event) => `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`).join(''));

const chatChunk = (delta: JsonRecord, finish: string | null = null): JsonRecord => ({
  id: 'chatcmpl-1',
  object: 'chat.completion.chunk',
  created: 1,
  model: 'served-model',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

function openAIWire(name: TranslatedEndpointName): ProviderWire | undefined {
  const usage = { prompt_tokens: 5, completion_tokens: 2, total_tokens: 7 };
  const jsonWire = (format: string, body: unknown, stream?: Buffer): ProviderWire => ({
    format,
    response: { contentType: 'application/json', body: json(body) },
    empty: json({}),
    ...(stream ? { stream: { contentType: SSE, body: stream } } : {}),
  });
  switch (name) {
    case 'chat-completions':
      return {
        ...jsonWire(
          'OpenAI chat completion',
          { id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'served-model', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi.' }, finish_reason: 'stop' }], usage },
          sse([chatChunk({ role: 'assistant', content: '' }), chatChunk({ content: 'Hi' }), chatChunk({ content: '.' }), chatChunk({}, 'stop'), { ...chatChunk({}), choices: [], usage }], true),
        ),
        requiresContent: 'a chat completion always has choices',
      };
    case 'completions': {
      const completion = (text: string, finish: string | null) => ({ id: 'cmpl-1', object: 'text_completion', created: 1, model: 'served-model', choices: [{ index: 0, text, finish_reason: finish }] });
      return jsonWire('OpenAI completion', { ...completion('Hi.', 'stop'), usage }, sse([completion('Hi', null), completion('.', 'stop'), { ...completion('', null), choices: [], usage }], true));
    }
    case 'embeddings':
      return jsonWire('OpenAI embeddings', { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2] }], model: 'served-model', usage: { prompt_tokens: 2, total_tokens: 2 } });
    case 'responses': {
      const response = (status: string, extra: JsonRecord) => ({ id: 'resp_1', object: 'response', created_at: 1, status, model: 'served-model', output: [], ...extra });
      const responsesUsage = { input_tokens: 5, output_tokens: 2, total_tokens: 7 };
      return jsonWire(
        'OpenAI response',
        response('completed', { usage: responsesUsage }),
        namedSse([
          { type: 'response.created', sequence_number: 0, response: response('in_progress', { usage: null }) },
          { type: 'response.output_text.delta', sequence_number: 1, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'Hi.' },
          { type: 'response.completed', sequence_number: 2, response: response('completed', { usage: responsesUsage }) },
        ]),
      );
    }
    case 'responses-input-tokens':
      return jsonWire('OpenAI input token count', { object: 'response.input_tokens', input_tokens: 12 });
    case 'tokenize':
      return jsonWire('vLLM tokenize', { count: 3, max_model_len: 8192, tokens: [9906, 11, 1917] });
    case 'images-generations':
      return jsonWire('OpenAI image', { created: 1, data: [{ b64_json: 'aGk=' }], usage: { input_tokens: 5, output_tokens: 10, total_tokens: 15 } });
    case 'audio-transcriptions':
    case 'audio-translations': {
      const usage = { type: 'tokens', input_tokens: 5, output_tokens: 2, total_tokens: 7 };
      return jsonWire(
        'OpenAI transcription',
        { text: 'Hi.', usage },
        name === 'audio-transcriptions' ? namedSse([{ type: 'transcript.text.delta', delta: 'Hi.' }, { type: 'transcript.text.done', text: 'Hi.', usage }]) : undefined,
      );
    }
    case 'audio-speech':
      return { format: 'audio bytes', response: { contentType: 'audio/mpeg', body: Buffer.from([0x49, 0x44, 0x33, 0x04, 0x00, 0xff, 0xfb]) }, empty: Buffer.alloc(0) };
    default:
      return undefined;
  }
}

const ANTHROPIC_MESSAGE = {
  id: 'msg_1',
  type: 'message',
  role: 'assistant',
  model: 'claude-served',
  content: [{ type: 'text', text: 'Hi.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 5, output_tokens: 2 },
};

const ANTHROPIC_EVENTS: JsonRecord[] = [
  { type: 'message_start', message: { ...ANTHROPIC_MESSAGE, content: [], stop_reason: null, usage: { input_tokens: 5, cache_read_input_tokens: 3, output_tokens: 1 } } },
  { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi.' } },
  { type: 'content_block_stop', index: 0 },
  // Some relays repeat the input counts here as zeros: they must not take the counts back.
  { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 2 } },
  { type: 'message_stop' },
];

function anthropicWire(framing: 'sse' | 'aws-event-stream'): ProviderWire {
  const stream =
    framing === 'sse'
      ? { contentType: SSE, body: namedSse(ANTHROPIC_EVENTS) }
      : { contentType: AWS_EVENT_STREAM, body: Buffer.concat(ANTHROPIC_EVENTS.map((event) => encodeAwsEvent('chunk', { bytes: json(event).toString('base64') }))) };
  return { format: `Anthropic message (${framing})`, response: { contentType: 'application/json', body: json(ANTHROPIC_MESSAGE) }, empty: json({}), stream };
}

const CONVERSE_WIRE: ProviderWire = {
  format: 'Bedrock Converse',
  response: {
    contentType: 'application/json',
    body: json({ output: { message: { role: 'assistant', content: [{ text: 'Hi.' }] } }, stopReason: 'end_turn', usage: { inputTokens: 5, outputTokens: 2, totalTokens: 7 } }),
  },
  empty: json({}),
  requiresContent: 'Converse always answers output.message',
  stream: {
    contentType: AWS_EVENT_STREAM,
    body: Buffer.concat([
      encodeAwsEvent('messageStart', { role: 'assistant' }),
      encodeAwsEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text: 'Hi.' } }),
      encodeAwsEvent('contentBlockStop', { contentBlockIndex: 0 }),
      encodeAwsEvent('messageStop', { stopReason: 'end_turn' }),
      encodeAwsEvent('metadata', { usage: { inputTokens: 5, outputTokens: 2, totalTokens: 7 }, metrics: { latencyMs: 10 } }),
    ]),
  },
};

const geminiEvent = (text: string, usageMetadata: JsonRecord, finishReason?: string): JsonRecord => ({
  candidates: [{ index: 0, content: { role: 'model', parts: [{ text }] }, ...(finishReason ? { finishReason } : {}) }],
  usageMetadata,
  modelVersion: 'gemini-served',
  responseId: 'r1',
});

const GEMINI_WIRE: ProviderWire = {
  format: 'Gemini GenerateContentResponse',
  response: { contentType: 'application/json', body: json(geminiEvent('Hi.', { promptTokenCount: 5, candidatesTokenCount: 2, totalTokenCount: 7 }, 'STOP')) },
  empty: json({}),
  stream: {
    contentType: SSE,
    body: sse([
      geminiEvent('Hi', { promptTokenCount: 5 }),
      geminiEvent('.', { promptTokenCount: 5, candidatesTokenCount: 1, totalTokenCount: 6 }),
      geminiEvent('', { promptTokenCount: 5, candidatesTokenCount: 2, totalTokenCount: 7 }, 'STOP'),
    ]),
  },
};

const TITAN_WIRE: ProviderWire = {
  format: 'Titan embeddings',
  response: { contentType: 'application/json', body: json({ embedding: [0.1, 0.2], inputTextTokenCount: 2 }) },
  empty: json({}),
  requiresContent: 'Titan always answers an embedding',
};

const VERTEX_EMBEDDINGS_WIRE: ProviderWire = {
  format: 'Vertex AI predict (embeddings)',
  response: { contentType: 'application/json', body: json({ predictions: [{ embeddings: { values: [0.1, 0.2], statistics: { token_count: 2, truncated: false } } }] }) },
  empty: json({}),
  requiresContent: 'predict always answers predictions',
};

const COHERE_RERANK_WIRE: ProviderWire = {
  format: 'Cohere rerank',
  response: { contentType: 'application/json', body: json({ id: 'r1', results: [{ index: 0, relevance_score: 0.9 }], meta: { tokens: { input_tokens: 20 } } }) },
  empty: json({}),
};

const ANTHROPIC_COUNT_TOKENS_WIRE: ProviderWire = {
  format: 'Anthropic count_tokens',
  response: { contentType: 'application/json', body: json({ input_tokens: 12 }) },
  empty: json({}),
};

const GEMINI_COUNT_TOKENS_WIRE: ProviderWire = {
  format: 'Gemini countTokens',
  response: { contentType: 'application/json', body: json({ totalTokens: 12, totalBillableCharacters: 40, promptTokensDetails: [{ modality: 'TEXT', tokenCount: 12 }] }) },
  empty: json({}),
};

const BEDROCK_COUNT_TOKENS_WIRE: ProviderWire = {
  format: 'Bedrock CountTokens',
  response: { contentType: 'application/json', body: json({ inputTokens: 12 }) },
  empty: json({}),
  requiresContent: 'CountTokens always answers inputTokens',
};

/** What the provider behind a pair answers (by its descriptor's wire); undefined when the suite has not learned it yet. */
function providerWire(pair: Pair): ProviderWire | undefined {
  const chatLike = pair.name === 'chat-completions' || pair.name === 'messages';
  switch (PROVIDERS[pair.schema].wire) {
    case 'openai':
    case 'azure-openai':
      // An Anthropic-API client served by an OpenAI backend gets chat completions translated.
      return openAIWire(pair.name === 'messages' ? 'chat-completions' : pair.name);
    case 'anthropic':
    case 'gcp-anthropic':
      if (pair.name === 'count-tokens') return ANTHROPIC_COUNT_TOKENS_WIRE;
      if (pair.name === 'tokenize') return { ...ANTHROPIC_COUNT_TOKENS_WIRE, requiresContent: 'count_tokens always answers input_tokens' };
      return chatLike ? anthropicWire('sse') : undefined;
    case 'aws-anthropic':
      if (pair.name === 'count-tokens' || pair.name === 'tokenize') return BEDROCK_COUNT_TOKENS_WIRE;
      return chatLike ? anthropicWire('aws-event-stream') : undefined;
    case 'aws-bedrock':
      if (pair.name === 'embeddings') return TITAN_WIRE;
      if (pair.name === 'count-tokens' || pair.name === 'tokenize') return BEDROCK_COUNT_TOKENS_WIRE;
      return chatLike ? CONVERSE_WIRE : undefined;
    case 'gcp-vertexai':
      if (pair.name === 'embeddings') return VERTEX_EMBEDDINGS_WIRE;
      if (pair.name === 'tokenize') return GEMINI_COUNT_TOKENS_WIRE;
      return pair.name === 'chat-completions' ? GEMINI_WIRE : undefined;
    case 'cohere':
      return pair.name === 'rerank' ? COHERE_RERANK_WIRE : undefined;
  }
}

function wireOf(pair: Pair): ProviderWire {
  const wire = providerWire(pair);
  assert.ok(wire, `${pair.label}: the suite does not know what this provider answers; add it to providerWire()`);
  return wire;
}

/** Whether an error body has the client API's error shape, with a string message. */
function errorMessageOf(clientAPI: Endpoint['clientAPI'], body: unknown): string | undefined {
  if (!isRecord(body)) return undefined;
  switch (clientAPI) {
    case 'openai':
      return isRecord(body.error) && typeof body.error.message === 'string' ? body.error.message : undefined;
    case 'anthropic':
      return body.type === 'error' && isRecord(body.error) && typeof body.error.type === 'string' && typeof body.error.message === 'string' ? body.error.message : undefined;
    case 'cohere':
      return typeof body.message === 'string' ? body.message : undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// The rules.

/** Runs `check`, turning a throw into a problem line (so one test lists every variant that fails). */
function collect(problems: string[], where: string, check: () => void): void {
  try {
    check();
  } catch (error) {
    problems.push(`${where}: ${error instanceof assert.AssertionError ? error.message : describeError(error)}`);
  }
}

function assertNoProblems(problems: readonly string[]): void {
  assert.ok(problems.length === 0, `\n${problems.join('\n')}`);
}

for (const pair of supportedPairs()) {
  test(`${pair.label}: rule 1, request gives ${hasRelativePath(pair.schema) ? 'a relative' : 'an absolute'} path`, () => {
    const problems: string[] = [];
    for (const variant of variants(pair)) {
      collect(problems, variant.label, () => {
        const { path } = translatorFor(pair, variant.override).request(clientOf(pair, variant.json, variant.pretty));
        assert.equal(typeof path, 'string');
        if (hasRelativePath(pair.schema)) assert.ok(path !== '' && !path.startsWith('/'), `path ${JSON.stringify(path)} should be relative`);
        else assert.ok(path.startsWith('/'), `path ${JSON.stringify(path)} should be absolute`);
      });
    }
    assertNoProblems(problems);
  });

  test(`${pair.label}: rule 2, inputs are never mutated`, () => {
    const problems: string[] = [];
    const requests: Variant[] = [...variants(pair), ...PROBES[pair.name].flatMap((probe) => [{ label: `probe "${probe.name}"`, json: probe.json }])];
    for (const variant of requests) {
      const client = clientOf(pair, variant.json, variant.pretty);
      const raw = Buffer.from(client.raw);
      const parsed = structuredClone(client.json);
      try {
        translatorFor(pair, variant.override).request(client);
      } catch {
        // Whether it may throw is rule 6's business; the inputs must be intact either way.
      }
      collect(problems, variant.label, () => {
        assert.ok(client.raw.equals(raw), 'the raw body changed');
        assert.deepEqual(client.json, parsed, 'the parsed body changed');
      });
    }
    const wire = wireOf(pair);
    const responses: [string, boolean, string, Buffer][] = [['whole response', false, wire.response.contentType, wire.response.body]];
    if (pair.endpoint.canStream && wire.stream) responses.push(['stream', true, wire.stream.contentType, wire.stream.body]);
    for (const [label, stream, contentType, body] of responses) {
      collect(problems, label, () => {
        const translator = translatorFor(pair);
        translator.request(clientOf(pair, stream ? streamingRequest(pair.name) : MINIMAL_REQUESTS[pair.name]));
        translator.responseHeaders(200, { 'content-type': contentType });
        const copy = Buffer.from(body);
        feed(translator, body, stream ? 7 : body.length);
        assert.ok(body.equals(copy), 'a response chunk changed');
      });
    }
    const errorBodies: [string, string][] = [
      ['text/plain', 'upstream connect error'],
      ['application/json', '{"error":{"message":"bad","type":"invalid_request_error"},"type":"error","message":"bad"}'],
    ];
    for (const [contentType, text] of errorBodies) {
      collect(problems, `${contentType} error body`, () => {
        const translator = translatorFor(pair);
        translator.request(clientOf(pair, MINIMAL_REQUESTS[pair.name]));
        translator.responseHeaders(400, { 'content-type': contentType });
        const body = Buffer.from(text);
        translator.responseError(400, body);
        assert.equal(body.toString(), text, 'the error body changed');
      });
    }
    assertNoProblems(problems);
  });

  test(`${pair.label}: rule 3, needsBody is honest`, () => {
    const problems: string[] = [];
    for (const variant of variants(pair)) {
      collect(problems, variant.label, () => {
        const translator = translatorFor(pair, variant.override);
        const translated = translatorFor(pair, variant.override).request(clientOf(pair, variant.json, variant.pretty));
        if (translator.needsBody) {
          const reason = NEEDS_BODY_WITHOUT_REPLACING.get(pair.label);
          assert.ok(translated.body !== undefined || reason !== undefined, 'needsBody is true but request forwards the client body unchanged');
          return;
        }
        assert.equal(translated.body, undefined, 'needsBody is false but request(client) replaces the body (fallback rules would send the original)');
        const withoutBody = translator.request(undefined);
        assert.equal(withoutBody.body, undefined, 'request(undefined) returned a body');
        assert.equal(withoutBody.path, translated.path, 'the path depends on a body the translator says it does not need');
      });
    }
    assertNoProblems(problems);
  });

  test(`${pair.label}: rule 4, JSON body and the model sent`, () => {
    const problems: string[] = [];
    for (const variant of variants(pair)) {
      collect(problems, variant.label, () => {
        const client = clientOf(pair, variant.json, variant.pretty);
        const translated = translatorFor(pair, variant.override).request(client);
        let forwarded: unknown = client.json;
        if (translated.body && pair.endpoint.bodyFormat === 'multipart') {
          forwarded = { model: multipartModel(translated.body) };
        } else if (translated.body) {
          const body = translated.body;
          assert.doesNotThrow(() => parseJson(body), 'the replacement body is not JSON');
          forwarded = parseJson(body);
        }
        const bodyModel = isRecord(forwarded) ? forwarded.model : undefined;
        const sent = variant.override ?? CLIENT_MODEL;
        const inPath = translated.path.includes(encodeURIComponent(sent));
        assert.ok(inPath || bodyModel === sent, `${sent} is in neither the path (${translated.path}) nor the body's model (${JSON.stringify(bodyModel)})`);
        if (variant.override !== undefined) {
          assert.ok(!translated.path.includes(CLIENT_MODEL), `the path names the client's model although it is overridden: ${translated.path}`);
          if (translated.body) assert.notEqual(bodyModel, CLIENT_MODEL, "the rewritten body names the client's model although it is overridden");
        }
      });
    }
    assertNoProblems(problems);
  });

  test(`${pair.label}: rule 5, non-JSON provider errors reach the client in its API's shape`, () => {
    const problems: string[] = [];
    const wire = wireOf(pair);
    const request = pair.endpoint.canStream ? streamingRequest(pair.name) : MINIMAL_REQUESTS[pair.name];
    const contentTypes = ['text/plain', 'text/html', ...(wire.stream ? [wire.stream.contentType] : [])];
    for (const status of ERROR_STATUSES) {
      for (const contentType of contentTypes) {
        collect(problems, `${status} as ${contentType}`, () => {
          const translator = translatorFor(pair);
          translator.request(clientOf(pair, request));
          assert.equal(translator.responseHeaders(status, { 'content-type': contentType }).streaming, false, 'responseHeaders claims streaming for an error status');
        });
      }
      collect(problems, `${status} error body`, () => {
        const translator = translatorFor(pair);
        translator.request(clientOf(pair, request));
        translator.responseHeaders(status, { 'content-type': 'text/plain' });
        const text = `conformance ${status}: upstream connect error or disconnect/reset before headers`;
        const result = translator.responseError(status, Buffer.from(text));
        if (result.body === undefined) return; // passed through as the provider sent it
        assert.equal(result.contentType, 'application/json');
        const body = result.body;
        assert.doesNotThrow(() => parseJson(body), `the error body is not JSON: ${body.toString()}`);
        const message = errorMessageOf(pair.endpoint.clientAPI, parseJson(body));
        assert.ok(message !== undefined, `not a ${pair.endpoint.clientAPI} error body: ${body.toString()}`);
        assert.ok(message.includes(text), `the provider's text is not in the message: ${JSON.stringify(message)}`);
      });
    }
    assertNoProblems(problems);
  });

  test(`${pair.label}: rule 6, requests the backend cannot express are 400/422 GatewayErrors`, () => {
    const problems: string[] = [];
    for (const probe of PROBES[pair.name]) {
      for (const override of [undefined, OVERRIDE_MODEL]) {
        collect(problems, `probe "${probe.name}"${override ? ' (override)' : ''}`, () => {
          let translated;
          try {
            translated = translatorFor(pair, override).request(clientOf(pair, probe.json));
          } catch (error) {
            assert.ok(GatewayError.isInstance(error) && (error.status === 400 || error.status === 422), `threw ${describeError(error)}`);
            return;
          }
          assert.equal(typeof translated.path, 'string');
          const body = translated.body;
          if (body && pair.endpoint.bodyFormat !== 'multipart') assert.doesNotThrow(() => parseJson(body), 'accepted, but the body is not JSON');
          if (body && pair.endpoint.bodyFormat === 'multipart') assert.ok(multipartModel(body) !== undefined, 'accepted, but the form lost its model field');
        });
      }
    }
    assertNoProblems(problems);
  });

  test(`${pair.label}: rule 7, usage is unknown when unreported and cumulative when streamed`, () => {
    const problems: string[] = [];
    const wire = wireOf(pair);
    const empties: [string, JsonRecord, string, Buffer][] = [[`empty ${wire.format}`, MINIMAL_REQUESTS[pair.name], wire.response.contentType, wire.empty]];
    if (pair.endpoint.canStream && wire.stream) empties.push([`empty ${wire.format} stream`, streamingRequest(pair.name), wire.stream.contentType, Buffer.alloc(0)]);
    for (const [label, request, contentType, empty] of empties) {
      collect(problems, label, () => {
        const translator = translatorFor(pair);
        translator.request(clientOf(pair, request));
        translator.responseHeaders(200, { 'content-type': contentType });
        let result: ResponseBodyTranslation;
        try {
          result = translator.responseBody(empty, true);
        } catch (error) {
          assert.ok(wire.requiresContent !== undefined, `an empty answer threw ${describeError(error)}`);
          assert.ok(error instanceof Error && !GatewayError.isInstance(error), `an empty answer must be refused with a plain Error (${wire.requiresContent}), got ${describeError(error)}`);
          return;
        }
        for (const field of USAGE_FIELDS) assert.equal(result.usage[field], undefined, `usage.${field} of an empty answer is ${String(result.usage[field])}, not unknown`);
        assert.deepEqual(Object.entries(result.usage).filter(([, value]) => value !== undefined), [], 'usage of an empty answer has counts');
      });
    }
    if (pair.endpoint.canStream) {
      // Byte by byte, in small pieces and whole: frames and events split anywhere.
      for (const size of [1, 11, Number.MAX_SAFE_INTEGER]) {
        collect(problems, `streamed ${wire.format} in pieces of ${size === Number.MAX_SAFE_INTEGER ? 'all' : size} bytes`, () => {
          assert.ok(wire.stream, `the suite has no stream for ${wire.format}`);
          const translator = translatorFor(pair);
          translator.request(clientOf(pair, streamingRequest(pair.name)));
          translator.responseHeaders(200, { 'content-type': wire.stream.contentType });
          let previous: TokenUsage = {};
          feed(translator, wire.stream.body, size, ({ usage }) => {
            for (const field of USAGE_FIELDS) {
              const before = previous[field];
              const now = usage[field];
              if (before === undefined) continue;
              assert.ok(now !== undefined && now >= before, `usage.${field} went from ${before} to ${String(now)}`);
            }
            previous = usage;
          });
          assert.ok(previous.inputTokens !== undefined || previous.outputTokens !== undefined, `the stream's usage was not read: ${JSON.stringify(previous)}`);
        });
      }
    }
    assertNoProblems(problems);
  });

  if (pair.endpoint.canStream) {
    test(`${pair.label}: rule 8, a 200 stream is streamed, as SSE when translated`, () => {
      const problems: string[] = [];
      const wire = wireOf(pair);
      for (const override of [undefined, OVERRIDE_MODEL]) {
        collect(problems, override ? 'override' : 'no override', () => {
          assert.ok(wire.stream, `the suite has no stream for ${wire.format}`);
          const translator = translatorFor(pair, override);
          translator.request(clientOf(pair, streamingRequest(pair.name)));
          const headers = translator.responseHeaders(200, { 'content-type': wire.stream.contentType });
          assert.equal(headers.streaming, true, `a 200 with content-type ${wire.stream.contentType} is not streamed`);
          const contentType = headers.set?.find(([name]) => name.toLowerCase() === 'content-type')?.[1];
          if (contentType !== undefined) assert.equal(contentType, SSE, 'the client reads SSE');
          const out = feed(translator, wire.stream.body, 64);
          if (!out.equals(wire.stream.body)) assert.equal(contentType, SSE, 'the stream is rewritten but content-type is not set to text/event-stream');
        });
      }
      assertNoProblems(problems);
    });
  }
}

/** The JSON payloads of an SSE text's events (`[DONE]` and other non-JSON payloads left out). */
function ssePayloads(text: string): unknown[] {
  return parseSseEvents(text).flatMap(({ data }) => {
    try {
      const payload: unknown = JSON.parse(data);
      return [payload];
    } catch {
      return [];
    }
  });
}

const isUsageChunk = (payload: unknown): boolean => isRecord(payload) && Array.isArray(payload.choices) && payload.choices.length === 0 && isRecord(payload.usage);

/** Endpoints whose OpenAI streams end with a usage chunk only on `stream_options.include_usage` (OpenAI's contract). */
const USAGE_CHUNK_ENDPOINTS: ReadonlySet<TranslatedEndpointName> = new Set(['chat-completions', 'completions']);

for (const pair of supportedPairs().filter((candidate) => USAGE_CHUNK_ENDPOINTS.has(candidate.name))) {
  test(`${pair.label}: rule 9, the usage chunk reaches the client only when it asked (costs or not), and usage is read either way`, () => {
    const problems: string[] = [];
    const wire = wireOf(pair);
    for (const needsUsage of [false, true]) {
      for (const asked of [true, false]) {
        // A pass-through stream the gateway did not ask usage for is the provider's to shape.
        if (!needsUsage && !asked) continue;
        collect(problems, `${asked ? 'asked' : 'not asked'}${needsUsage ? ', costs configured' : ''}`, () => {
          assert.ok(wire.stream, `the suite has no stream for ${wire.format}`);
          const translator = translatorFor(pair, undefined, needsUsage);
          const request = asked ? streamingRequest(pair.name) : { ...MINIMAL_REQUESTS[pair.name], stream: true };
          translator.request(clientOf(pair, request));
          translator.responseHeaders(200, { 'content-type': wire.stream.contentType });
          let usage: TokenUsage = {};
          const out = feed(translator, wire.stream.body, 9, (result) => (usage = result.usage));
          const chunks = ssePayloads(out.toString('utf8')).filter(isUsageChunk);
          assert.equal(chunks.length, asked ? 1 : 0, `${chunks.length} usage chunk(s) reached the client`);
          assert.ok(usage.inputTokens !== undefined, `the gateway did not read the usage: ${JSON.stringify(usage)}`);
        });
      }
    }
    assertNoProblems(problems);
  });
}

test('the table has translators for the suite to check', () => {
  assert.ok(supportedPairs().length > 0);
});
