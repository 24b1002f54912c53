import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isRecord } from '../../common/json-guards.js';
import { anthropicSse, bedrockChunks, bodyOf, client, context, feed, parseSse, STREAM_EVENTS } from '../../test/support/anthropic-test-support.js';
import { anthropicToAnthropic, anthropicToAWSAnthropic, anthropicToGCPAnthropic } from './anthropic-to-anthropic.js';
import { encodeAwsEvent } from './aws-event-stream.js';

const MESSAGES = '/anthropic/v1/messages';
const STREAM_USAGE = { inputTokens: 15, outputTokens: 42, totalTokens: 57, cachedInputTokens: 5, cacheCreationInputTokens: 0 };

test('calibration "anthropic - /anthropic/v1/messages": /v1/messages, body and response untouched, usage read', () => {
  const fixture: unknown = JSON.parse(readFileSync(new URL('../../../test/fixtures/translation-calibration.json', import.meta.url), 'utf8'));
  assert.ok(isRecord(fixture) && Array.isArray(fixture.cases));
  const found: unknown = fixture.cases.find((entry: unknown) => isRecord(entry) && entry.name === 'anthropic - /anthropic/v1/messages');
  assert.ok(isRecord(found) && typeof found.requestBody === 'string' && typeof found.responseBody === 'string' && typeof found.expPath === 'string');
  const translator = anthropicToAnthropic(context(MESSAGES, 'Anthropic', { model: 'foo', prefix: 'v1' }));
  assert.equal(translator.needsBody, false);
  assert.deepEqual(translator.request(undefined), { path: found.expPath });
  assert.deepEqual(translator.responseHeaders(200, { 'content-type': 'application/json' }), { streaming: false });
  const result = translator.responseBody(Buffer.from(found.responseBody), true);
  assert.equal(result.body, undefined);
  assert.deepEqual(result.usage, { inputTokens: 9, outputTokens: 16, totalTokens: 25, cachedInputTokens: 0, cacheCreationInputTokens: 0 });
  assert.equal(result.responseModel, 'foo');
});

test('Anthropic pass-through: the override is written into the body; streams pass through, usage and model read from the events', () => {
  const translator = anthropicToAnthropic(context(MESSAGES, 'Anthropic', { model: 'claude', override: 'claude-opus-4-1' }));
  assert.equal(translator.needsBody, true);
  const request = { ...client({ model: 'claude', stream: true, max_tokens: 5, messages: [] }) };
  assert.deepEqual(bodyOf(translator, request), { model: 'claude-opus-4-1', stream: true, max_tokens: 5, messages: [] });
  translator.responseHeaders(200, { 'content-type': 'text/event-stream' });
  const { text, last } = feed(translator, anthropicSse(STREAM_EVENTS), 9);
  assert.equal(text, anthropicSse(STREAM_EVENTS).toString('utf8'), 'pass-through forwards the provider bytes, line by line');
  assert.deepEqual(last.usage, STREAM_USAGE);
  assert.equal(last.responseModel, 'claude-sonnet-4-5-20250929');
});

test('Anthropic pass-through errors: JSON passes through, other bodies take Anthropic error shape', () => {
  const translator = anthropicToAnthropic(context(MESSAGES, 'Anthropic'));
  translator.responseHeaders(529, {});
  assert.deepEqual(translator.responseError(529, Buffer.from('{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}')), {});
  const wrapped = translator.responseError(429, Buffer.from('too many'));
  assert.deepEqual(JSON.parse(wrapped.body?.toString() ?? ''), { type: 'error', error: { type: 'rate_limit_error', message: 'too many' } });
});

test('AWSAnthropic: native body without model and stream, anthropic_version and accepted betas; invoke paths', () => {
  const translator = anthropicToAWSAnthropic(context(MESSAGES, 'AWSAnthropic', { model: 'us.anthropic.claude-3-7-sonnet-20250219-v1:0' }));
  const raw = '{"model":"x","stream":true,"max_tokens":10,"messages":[{"role":"user","content":"hi"}]}';
  const json = { model: 'x', stream: true, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] };
  const request = { raw: Buffer.from(raw), json, stream: true, headers: { 'anthropic-beta': 'files-api-2025-04-14,context-1m-2025-08-07' } };
  const translated = translator.request(request);
  assert.equal(translated.path, '/model/us.anthropic.claude-3-7-sonnet-20250219-v1:0/invoke-with-response-stream');
  assert.equal(translated.body?.toString(), '{"anthropic_version":"bedrock-2023-05-31","anthropic_beta":["context-1m-2025-08-07"],"max_tokens":10,"messages":[{"role":"user","content":"hi"}]}');
  const versioned = anthropicToAWSAnthropic(context(MESSAGES, 'AWSAnthropic', { version: 'bedrock-2099' }));
  const plain = client({ model: 'x', max_tokens: 1, messages: [] });
  assert.equal(versioned.request(plain).path, '/model/claude-sonnet-4-5/invoke');
  assert.deepEqual(bodyOf(versioned, plain), { max_tokens: 1, messages: [], anthropic_version: 'bedrock-2099' });
});

test('AWSAnthropic streaming: event-stream chunks re-framed as Anthropic SSE, at any boundary', () => {
  for (const size of [1, 17, 100000]) {
    const translator = anthropicToAWSAnthropic(context(MESSAGES, 'AWSAnthropic'));
    translator.request(client({ model: 'x', stream: true, max_tokens: 1, messages: [] }));
    assert.deepEqual(translator.responseHeaders(200, { 'content-type': 'application/vnd.amazon.eventstream' }), { streaming: true, set: [['content-type', 'text/event-stream']] });
    const { text, last } = feed(translator, bedrockChunks(STREAM_EVENTS), size);
    assert.deepEqual(
      parseSse(text),
      STREAM_EVENTS.map((event) => ({ event: event.type, data: event })),
    );
    assert.deepEqual(last.usage, STREAM_USAGE);
    assert.equal(last.responseModel, 'claude-sonnet-4-5-20250929');
  }
});

test('AWSAnthropic streaming: an exception frame becomes an Anthropic error event; non-streaming passes through', () => {
  const translator = anthropicToAWSAnthropic(context(MESSAGES, 'AWSAnthropic'));
  translator.responseHeaders(200, { 'content-type': 'application/vnd.amazon.eventstream' });
  const stream = Buffer.concat([bedrockChunks(STREAM_EVENTS.slice(0, 3)), encodeAwsEvent('modelStreamErrorException', { message: 'model failed' }, 'exception')]);
  const events = parseSse(feed(translator, stream, 11).text);
  assert.deepEqual(events.at(-1), { event: 'error', data: { type: 'error', error: { type: 'api_error', message: 'modelStreamErrorException: model failed' } } });

  const truncated = anthropicToAWSAnthropic(context(MESSAGES, 'AWSAnthropic'));
  truncated.responseHeaders(200, { 'content-type': 'application/vnd.amazon.eventstream' });
  const whole = bedrockChunks(STREAM_EVENTS.slice(0, 2));
  const cutEvents = parseSse(feed(truncated, whole.subarray(0, whole.length - 4), 1000).text);
  assert.equal(cutEvents.at(-1)?.event, 'error');

  const plain = anthropicToAWSAnthropic(context(MESSAGES, 'AWSAnthropic'));
  plain.responseHeaders(200, { 'content-type': 'application/json' });
  const result = plain.responseBody(Buffer.from('{"type":"message","model":"claude-x","usage":{"input_tokens":3,"output_tokens":4}}'), true);
  assert.deepEqual(result, { usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 }, responseModel: 'claude-x' });
});

test('AWSAnthropic errors: Bedrock JSON {message} in Anthropic shape by status', () => {
  const translator = anthropicToAWSAnthropic(context(MESSAGES, 'AWSAnthropic'));
  translator.responseHeaders(400, { 'x-amzn-errortype': 'ValidationException' });
  assert.deepEqual(JSON.parse(translator.responseError(400, Buffer.from('{"message":"invalid beta flag"}')).body?.toString() ?? ''), {
    type: 'error',
    error: { type: 'invalid_request_error', message: 'invalid beta flag' },
  });
});

test('GCPAnthropic: needs the schema version; native body keeps stream; Google errors rewritten', () => {
  const missing = anthropicToGCPAnthropic(context(MESSAGES, 'GCPAnthropic'));
  assert.equal(missing.needsBody, true);
  assert.throws(() => missing.request(client({ model: 'x', messages: [] })), /needs spec\.schema\.version/);

  const translator = anthropicToGCPAnthropic(context(MESSAGES, 'GCPAnthropic', { model: 'claude-opus-4@20250514', version: 'vertex-2023-10-16' }));
  const request = client({ model: 'x', stream: true, max_tokens: 3, messages: [] });
  const translated = translator.request(request);
  assert.equal(translated.path, 'publishers/anthropic/models/claude-opus-4@20250514:streamRawPredict');
  assert.deepEqual(bodyOf(translator, request), { stream: true, max_tokens: 3, messages: [], anthropic_version: 'vertex-2023-10-16' });
  assert.equal(translator.request(client({ model: 'x', messages: [] })).path, 'publishers/anthropic/models/claude-opus-4@20250514:rawPredict');

  translator.responseHeaders(200, { 'content-type': 'text/event-stream' });
  const { text, last } = feed(translator, anthropicSse(STREAM_EVENTS), 5);
  assert.equal(text, anthropicSse(STREAM_EVENTS).toString('utf8'));
  assert.deepEqual(last.usage, STREAM_USAGE);

  assert.deepEqual(JSON.parse(translator.responseError(404, Buffer.from('{"error":{"code":404,"message":"model not found","status":"NOT_FOUND"}}')).body?.toString() ?? ''), {
    type: 'error',
    error: { type: 'not_found_error', message: 'model not found' },
  });
  assert.deepEqual(translator.responseError(400, Buffer.from('{"type":"error","error":{"type":"invalid_request_error","message":"x"}}')), {});
});
