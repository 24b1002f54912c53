import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findEndpoint } from '../request/endpoints.js';
import { GatewayError } from '../errors/gateway-error.js';
import { isRecord, type JsonRecord } from '../../common/json-guards.js';
import { openAIToGCPVertexAI } from './openai-to-gcp-vertexai.js';
import type { Translator } from './translator.js';

function translator(model = 'gemini-1.5-pro'): Translator {
  const endpoint = findEndpoint('/v1/chat/completions');
  assert.ok(endpoint);
  return openAIToGCPVertexAI({
    endpoint,
    backend: { name: 'default/gcp/route/r/rule/0/ref/0', route: 'default/r', aiServiceBackend: 'default/gcp', schema: { name: 'GCPVertexAI' } },
    originalModel: 'client-model',
    requestModel: model,
  });
}

/** Sends an OpenAI body through `request` and returns the path and the parsed Gemini body. */
function translate(body: JsonRecord, model?: string): { path: string; json: JsonRecord } {
  const raw = Buffer.from(JSON.stringify(body));
  const result = translator(model).request({ raw, json: body, stream: body.stream === true, headers: {} });
  assert.ok(result.body);
  const json: unknown = JSON.parse(result.body.toString());
  assert.ok(isRecord(json));
  return { path: result.path, json };
}

function assert422(body: JsonRecord, pattern: RegExp): void {
  assert.throws(
    () => translate(body),
    (error: unknown) => GatewayError.isInstance(error) && error.status === 422 && pattern.test(error.message),
  );
}

const user = (content: unknown) => ({ role: 'user', content });
const call = (id: string, name: string, args: string, extra?: JsonRecord) => ({ id, type: 'function', function: { name, arguments: args }, ...extra });

test('calibration: upstream’s request body byte for byte, path, and response', () => {
  const client = Buffer.from('{"model":"gemini-1.5-pro","messages":[{"role":"system","content":"You are a helpful assistant."}]}');
  const json: unknown = JSON.parse(client.toString());
  assert.ok(isRecord(json));
  const gcp = translator();
  assert.equal(gcp.needsBody, true);
  const request = gcp.request({ raw: client, json, stream: false, headers: {} });
  assert.equal(request.path, 'publishers/google/models/gemini-1.5-pro:generateContent');
  assert.equal(
    request.body?.toString(),
    '{"contents":null,"tools":null,"generationConfig":{},"systemInstruction":{"parts":[{"text":"You are a helpful assistant."}]}}',
  );
  assert.deepEqual(gcp.responseHeaders(200, { 'content-type': 'application/json' }), { streaming: false });
  const response = gcp.responseBody(
    Buffer.from(
      '{"candidates":[{"content":{"parts":[{"text":"This is a test response from Gemini."}],"role":"model"},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":15,"candidatesTokenCount":10,"totalTokenCount":35,"cachedContentTokenCount":10,"thoughtsTokenCount":10}}',
    ),
    true,
  );
  assert.deepEqual(JSON.parse(response.body?.toString() ?? ''), {
    choices: [{ finish_reason: 'stop', index: 0, message: { content: 'This is a test response from Gemini.', role: 'assistant' } }],
    model: 'gemini-1.5-pro',
    object: 'chat.completion',
    usage: { completion_tokens: 20, completion_tokens_details: { reasoning_tokens: 10 }, prompt_tokens: 15, prompt_tokens_details: { cached_tokens: 10 }, total_tokens: 35 },
  });
  assert.deepEqual(response.usage, { inputTokens: 15, outputTokens: 20, totalTokens: 35, cachedInputTokens: 10, reasoningTokens: 10 });
  assert.equal(response.responseModel, 'gemini-1.5-pro');
});

test('model: the completion names Gemini’s modelVersion, and so does the response model the exchange records', () => {
  const gcp = translator('gemini-2.5-flash');
  gcp.request({ raw: Buffer.from('{}'), json: { model: 'x', messages: [user('hi')] }, stream: false, headers: {} });
  gcp.responseHeaders(200, { 'content-type': 'application/json' });
  const response = gcp.responseBody(Buffer.from('{"candidates":[{"content":{"role":"model","parts":[{"text":"ok"}]},"finishReason":"STOP"}],"modelVersion":"gemini-2.5-flash-preview-05-20"}'), true);
  const completion: unknown = JSON.parse(response.body?.toString() ?? '');
  assert.ok(isRecord(completion));
  assert.equal(completion.model, 'gemini-2.5-flash-preview-05-20');
  assert.equal(response.responseModel, 'gemini-2.5-flash-preview-05-20');
});

test('paths: streaming asks for SSE; the model is escaped as a path segment', () => {
  assert.equal(translate({ model: 'x', messages: [user('hi')], stream: true }).path, 'publishers/google/models/gemini-1.5-pro:streamGenerateContent?alt=sse');
  assert.equal(translate({ model: 'x', messages: [user('hi')] }, 'tuned/model@1').path, 'publishers/google/models/tuned%2Fmodel@1:generateContent');
});

test('messages: system and developer text joins the system instruction; user text and images', () => {
  const { json } = translate({
    model: 'x',
    messages: [
      { role: 'system', content: 'Be brief.' },
      user([
        { type: 'text', text: 'What are these?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
        { type: 'image_url', image_url: { url: 'gs://bucket/cat.WEBP' } },
        { type: 'image_url', image_url: { url: 'https://example.com/dog.jpeg?size=2' } },
        { type: 'image_url', image_url: { url: 'https://example.com/render' } },
      ]),
      { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }] },
      { role: 'assistant', content: 'Des animaux.' },
      user(''),
    ],
  });
  assert.deepEqual(json.systemInstruction, { parts: [{ text: 'Be brief.' }, { text: 'Answer in French.' }] });
  assert.deepEqual(json.contents, [
    {
      role: 'user',
      parts: [
        { text: 'What are these?' },
        { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
        { fileData: { mimeType: 'image/webp', fileUri: 'gs://bucket/cat.WEBP' } },
        { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/dog.jpeg?size=2' } },
        { fileData: { mimeType: 'image/jpeg', fileUri: 'https://example.com/render' } },
      ],
    },
    // The empty user message is left out: Gemini refuses a content without parts.
    { role: 'model', parts: [{ text: 'Des animaux.' }] },
  ]);
});

test('tool calls and results: names found by call id, parallel results in one content, signatures sent back', () => {
  const { json } = translate({
    model: 'x',
    messages: [
      user('Weather in Paris and Tokyo?'),
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          call('call_1', 'get_weather', '{"city":"Paris"}', { extra_content: { google: { thought_signature: 'c2ln' } } }),
          call('call_2', 'get_time', ''),
        ],
      },
      { role: 'tool', tool_call_id: 'call_2', content: 'noon' },
      { role: 'tool', tool_call_id: 'call_1', content: '{"temp":21}' },
      user('Thanks'),
    ],
  });
  assert.deepEqual(json.contents, [
    { role: 'user', parts: [{ text: 'Weather in Paris and Tokyo?' }] },
    {
      role: 'model',
      parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, thoughtSignature: 'c2ln' }, { functionCall: { name: 'get_time', args: {} } }],
    },
    {
      role: 'user',
      parts: [{ functionResponse: { name: 'get_time', response: { output: 'noon' } } }, { functionResponse: { name: 'get_weather', response: { temp: 21 } } }],
    },
    { role: 'user', parts: [{ text: 'Thanks' }] },
  ]);
});

test('422s: unknown tool call id, arguments that are not a JSON object, images Gemini cannot fetch', () => {
  assert422({ model: 'x', messages: [user('hi'), { role: 'tool', tool_call_id: 'nope', content: 'x' }] }, /"nope" does not match a tool call/);
  assert422({ model: 'x', messages: [{ role: 'assistant', tool_calls: [call('a', 'f', '{bad')] }] }, /not valid JSON/);
  assert422({ model: 'x', messages: [{ role: 'assistant', tool_calls: [call('a', 'f', '[1]')] }] }, /must be a JSON object/);
  assert422({ model: 'x', messages: [user([{ type: 'image_url', image_url: { url: 'ftp://x/y.png' } }])] }, /data URI, a gs:\/\/ URI or an http/);
  assert422({ model: 'x', messages: [user([{ type: 'image_url', image_url: { url: 'data:image/png,rawbytes' } }])] }, /must be base64/);
  assert422({ model: 'x', messages: [user('hi')], reasoning_effort: 'extreme' }, /reasoning_effort "extreme"/);
});

test('tools: one Gemini tool with every declaration; schemas outside the OpenAPI subset go as JSON Schema', () => {
  const simple = { type: 'object', properties: { city: { type: 'string', description: 'City' }, days: { type: 'integer', minimum: 1 } }, required: ['city'], additionalProperties: false };
  const pydantic = { type: 'object', properties: { unit: { $ref: '#/$defs/Unit' } }, $defs: { Unit: { enum: ['c', 'f'] } } };
  const { json } = translate({
    model: 'x',
    messages: [user('hi')],
    tools: [
      { type: 'function', function: { name: 'weather', description: 'Forecast', parameters: simple, strict: true } },
      { type: 'function', function: { name: 'convert', parameters: pydantic } },
      { type: 'function', function: { name: 'nullable', parameters: { type: 'object', properties: { x: { type: ['string', 'null'] } } } } },
      { type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} } } },
    ],
  });
  assert.deepEqual(json.tools, [
    {
      functionDeclarations: [
        { name: 'weather', description: 'Forecast', parameters: simple },
        { name: 'convert', parametersJsonSchema: pydantic },
        { name: 'nullable', parametersJsonSchema: { type: 'object', properties: { x: { type: ['string', 'null'] } } } },
        { name: 'now' },
      ],
    },
  ]);
  assert.equal(json.toolConfig, undefined);
});

test('tool_choice: auto, none, required and a named function', () => {
  const tools = [{ type: 'function', function: { name: 'f' } }];
  const config = (tool_choice: unknown) => translate({ model: 'x', messages: [user('hi')], tools, tool_choice }).json.toolConfig;
  assert.deepEqual(config('auto'), { functionCallingConfig: { mode: 'AUTO' } });
  assert.deepEqual(config('none'), { functionCallingConfig: { mode: 'NONE' } });
  assert.deepEqual(config('required'), { functionCallingConfig: { mode: 'ANY' } });
  assert.deepEqual(config({ type: 'function', function: { name: 'f' } }), { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['f'] } });
});

test('generationConfig: sampling settings, n, stops, penalties, seed and JSON output', () => {
  const { json } = translate({
    model: 'x',
    messages: [user('hi')],
    temperature: 0.2,
    top_p: 0.9,
    n: 2,
    max_tokens: 50,
    max_completion_tokens: 100,
    stop: 'END',
    presence_penalty: 0.5,
    frequency_penalty: -0.5,
    seed: 7,
    response_format: { type: 'json_object' },
  });
  assert.deepEqual(json.generationConfig, {
    temperature: 0.2,
    topP: 0.9,
    candidateCount: 2,
    maxOutputTokens: 100,
    stopSequences: ['END'],
    presencePenalty: 0.5,
    frequencyPenalty: -0.5,
    seed: 7,
    responseMimeType: 'application/json',
  });
  const schema = { type: 'object', properties: { a: { type: 'string' } } };
  const format = (s: JsonRecord) => translate({ model: 'x', messages: [user('hi')], response_format: { type: 'json_schema', json_schema: { name: 'r', schema: s, strict: true } } }).json.generationConfig;
  assert.deepEqual(format(schema), { responseMimeType: 'application/json', responseSchema: schema });
  const withConst = { type: 'object', properties: { kind: { const: 'a' } } };
  assert.deepEqual(format(withConst), { responseMimeType: 'application/json', responseJsonSchema: withConst });
});

test('GCP vendor fields: generationConfig is merged last, safetySettings passed on', () => {
  const safetySettings = [{ category: 'HARM_CATEGORY_HATE_SPEECH', threshold: 'BLOCK_ONLY_HIGH' }];
  const { json } = translate({
    model: 'x',
    messages: [user('hi')],
    temperature: 1,
    reasoning_effort: 'low',
    generationConfig: { topK: 40, thinkingConfig: { thinkingBudget: 77 } },
    safetySettings,
  });
  assert.deepEqual(json.generationConfig, { temperature: 1, thinkingConfig: { thinkingBudget: 77 }, topK: 40 });
  assert.deepEqual(json.safetySettings, safetySettings);
});

test('thinking: reasoning_effort is a budget before Gemini 3 and a level from 3 on; the thinking extension wins', () => {
  const thinking = (extra: JsonRecord, model = 'gemini-2.5-flash') => translate({ model: 'x', messages: [user('hi')], ...extra }, model).json.generationConfig;
  assert.deepEqual(thinking({ reasoning_effort: 'medium' }), { thinkingConfig: { includeThoughts: true, thinkingBudget: 8192 } });
  assert.deepEqual(thinking({ reasoning_effort: 'none' }), { thinkingConfig: { thinkingBudget: 0 } });
  assert.deepEqual(thinking({ reasoning_effort: 'high' }, 'gemini-3-pro-preview'), { thinkingConfig: { includeThoughts: true, thinkingLevel: 'HIGH' } });
  assert.deepEqual(thinking({ reasoning_effort: 'low', thinking: { type: 'enabled', budget_tokens: 2048 } }), {
    thinkingConfig: { includeThoughts: true, thinkingBudget: 2048 },
  });
  assert.deepEqual(thinking({ thinking: { type: 'disabled' } }), { thinkingConfig: { thinkingBudget: 0 } });
});

test('the request is not read twice into shared state: a retry translates the same client body again', () => {
  const body = { model: 'x', messages: [user('hi')], tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { type: 'string' } } } } }] };
  const before = JSON.stringify(body);
  const first = translate(body).json;
  assert.deepEqual(translate(body).json, first);
  assert.equal(JSON.stringify(body), before);
});

test('request without a body is a programming error', () => {
  assert.throws(() => translator().request(undefined), /needs the request body/);
});

test('streaming through the translator: SSE headers, translated chunks, usage for the exchange', () => {
  const gcp = translator('gemini-2.0-flash');
  const body = { model: 'x', messages: [user('hi')], stream: true, stream_options: { include_usage: true } };
  gcp.request({ raw: Buffer.from(JSON.stringify(body)), json: body, stream: true, headers: {} });
  assert.deepEqual(gcp.responseHeaders(200, { 'content-type': 'text/event-stream' }), { streaming: true, set: [['content-type', 'text/event-stream']] });
  const event = 'data: {"candidates":[{"content":{"role":"model","parts":[{"text":"Hé"}]},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":2,"candidatesTokenCount":1,"totalTokenCount":3},"modelVersion":"gemini-2.0-flash-001"}\r\n\r\n';
  const bytes = Buffer.from(event);
  const cut = bytes.indexOf(0xc3) + 1; // inside the two-byte "é"
  const first = gcp.responseBody(bytes.subarray(0, cut), false);
  assert.equal(first.body?.length, 0, 'nothing is sent until an event is complete');
  const last = gcp.responseBody(bytes.subarray(cut), true);
  assert.equal(
    last.body?.toString(),
    'data: {"object":"chat.completion.chunk","model":"gemini-2.0-flash-001","choices":[{"index":0,"delta":{"role":"assistant","content":"Hé"},"finish_reason":"stop"}]}\n\n' +
      'data: {"object":"chat.completion.chunk","model":"gemini-2.0-flash-001","choices":[],"usage":{"prompt_tokens":2,"completion_tokens":1,"total_tokens":3}}\n\n' +
      'data: [DONE]\n\n',
  );
  assert.deepEqual(last.usage, { inputTokens: 2, outputTokens: 1, totalTokens: 3 });
  assert.equal(last.responseModel, 'gemini-2.0-flash-001');
});

test('a streaming request answered with an error is not streamed; the error is rewritten', () => {
  const gcp = translator();
  const body = { model: 'x', messages: [user('hi')], stream: true };
  gcp.request({ raw: Buffer.from(JSON.stringify(body)), json: body, stream: true, headers: {} });
  assert.deepEqual(gcp.responseHeaders(400, { 'content-type': 'application/json' }), { streaming: false });
  const translated = gcp.responseError(400, Buffer.from('[{"error":{"code":400,"message":"bad","status":"INVALID_ARGUMENT"}}]'));
  assert.equal(translated.contentType, 'application/json');
  assert.deepEqual(JSON.parse(translated.body?.toString() ?? ''), { type: 'error', error: { type: 'INVALID_ARGUMENT', code: '400', message: 'bad' } });
});

test('a non-streaming body that is not JSON cannot be translated', () => {
  const gcp = translator();
  gcp.responseHeaders(200, {});
  assert.throws(() => gcp.responseBody(Buffer.from('<html>'), true), /not JSON/);
});
