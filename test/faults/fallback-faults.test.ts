/**
 * Upstream faults on rules with priority fallback (BackendTrafficPolicy retries on connect
 * failure, reset and on 500/503/504/429, 1 s per attempt), through the real gateway: a primary
 * that refuses connections, answers 503 or 429 with `retry-after`, resets mid-body or hangs past
 * the per-attempt timeout hands the request to the next priority, translated again for it; when every priority
 * fails the client gets the last failure's status in its own API's error shape, never a hang.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { isRecord } from '../../common/json-guards.js';
import { freePort, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { anthropicError, drain, NO_HANG_MS, openAIError, parseJson, post } from '../support/fault-client.js';
import { faultHeaders, startFaultyUpstream, type FaultSpec, type FaultyUpstream } from '../support/faulty-upstream.js';
import { BACKEND_SELECTOR_HEADER, providerGatewayYaml } from '../support/provider-gateway-yaml.js';

const CHAT = '/v1/chat/completions';
const MESSAGES = '/anthropic/v1/messages';
/** The primary takes its fault from this header; the secondary from `x-fault`. */
const PRIMARY = 'x-primary-fault';
const PER_TRY_TIMEOUT_MS = 1_000;

let primary: FaultyUpstream;
let secondary: FaultyUpstream;
let aigw: AigwProcess;
let port: number;
let openai: OpenAI;
let anthropic: Anthropic;

const chat = (): { model: string; messages: { role: 'user'; content: string }[] } => ({ model: 'fault-model', messages: [{ role: 'user', content: 'hi' }] });
const message = (): { model: string; max_tokens: number; messages: { role: 'user'; content: string }[] } => ({ model: 'fault-model', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
const via = (backend: string, primaryFault?: FaultSpec, secondaryFault?: FaultSpec): { headers: Record<string, string> } => ({
  headers: { [BACKEND_SELECTOR_HEADER]: backend, ...(primaryFault ? faultHeaders(primaryFault, PRIMARY) : {}), ...(secondaryFault ? faultHeaders(secondaryFault) : {}) },
});

before(async () => {
  // By default the primary answers 503 with retry-after, the secondary answers normally.
  primary = await startFaultyUpstream({ fault: 'status', status: 503, retryAfter: '1' }, PRIMARY);
  secondary = await startFaultyUpstream();
  const closedPort = await freePort();
  const otherClosedPort = await freePort();
  port = await freePort();
  aigw = await startAigw({
    configYaml: providerGatewayYaml(
      port,
      [
        { name: 'fb', schema: { name: 'OpenAI' }, port: secondary.port, failingPrimaryPort: primary.port },
        { name: 'fb-refused', schema: { name: 'OpenAI' }, port: secondary.port, failingPrimaryPort: closedPort },
        // An OpenAI primary (an Anthropic client's body is translated for it), an Anthropic secondary.
        { name: 'fb-anthropic', schema: { name: 'Anthropic' }, port: secondary.port, failingPrimaryPort: primary.port },
        { name: 'fb-dead', schema: { name: 'Anthropic' }, port: otherClosedPort, failingPrimaryPort: closedPort },
      ],
      // `reset` covers resets and per-attempt timeouts (Envoy retries those on reset, 5xx or gateway-error only).
      { retryStatusCodes: [500, 503, 504, 429], perRetryTimeout: `${PER_TRY_TIMEOUT_MS}ms`, retryTriggers: ['connect-failure', 'retriable-status-codes', 'reset'] },
    ),
  });
  openai = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0, timeout: NO_HANG_MS });
  anthropic = new Anthropic({ baseURL: `http://127.0.0.1:${port}/anthropic`, apiKey: 'unused', maxRetries: 0, timeout: NO_HANG_MS });
});

after(async () => {
  await aigw?.stop();
  await primary?.close();
  await secondary?.close();
});

beforeEach(() => {
  primary.requests.length = 0;
  secondary.requests.length = 0;
});

describe('the primary fails, the next priority answers', () => {
  test('primary refuses connections', async () => {
    const completion = await openai.chat.completions.create(chat(), via('fb-refused'));
    assert.equal(completion.choices[0]?.message.content, 'fine');
    assert.equal(secondary.requests.length, 1);
  });

  test('primary answers 503 with retry-after', async () => {
    const completion = await openai.chat.completions.create(chat(), via('fb'));
    assert.equal(completion.choices[0]?.message.content, 'fine');
    assert.equal(primary.requests.length, 1);
    assert.equal(secondary.requests.length, 1);
  });

  test('primary answers 429 with retry-after', async () => {
    const completion = await openai.chat.completions.create(chat(), via('fb', { fault: 'status', status: 429, retryAfter: '30' }));
    assert.equal(completion.choices[0]?.message.content, 'fine');
    assert.equal(primary.requests[0]?.fault, 'status');
    assert.equal(secondary.requests.length, 1);
  });

  test('primary never answers: the per-attempt timeout moves on, and the primary request is cancelled', async () => {
    const started = performance.now();
    const completion = await openai.chat.completions.create(chat(), via('fb', { fault: 'hang' }));
    const ms = performance.now() - started;
    assert.equal(completion.choices[0]?.message.content, 'fine');
    assert.ok(ms >= PER_TRY_TIMEOUT_MS - 50 && ms < PER_TRY_TIMEOUT_MS + 2_000, `answered after ${Math.round(ms)} ms`);
    const hung = primary.requests[0];
    assert.ok(hung);
    await hung.done;
    assert.ok(hung.abortedAt !== undefined);
  });

  test('primary resets in the middle of its body', async () => {
    const completion = await openai.chat.completions.create(chat(), via('fb', { fault: 'reset-body' }));
    assert.equal(completion.choices[0]?.message.content, 'fine');
    assert.equal(primary.requests[0]?.fault, 'reset-body');
    assert.equal(secondary.requests.length, 1);
  });

  test('a stream falls back before it starts and is read to the end', async () => {
    const outcome = await drain(() => openai.chat.completions.create({ ...chat(), stream: true }, via('fb')));
    assert.equal(outcome.error, undefined, String(outcome.error));
    assert.equal(outcome.items.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), 'all is fine');
  });

  test('Anthropic client: translated for the OpenAI primary, then sent as it came to the Anthropic secondary (right content-length)', async () => {
    const sent = message();
    const answer = await anthropic.messages.create(sent, via('fb-anthropic'));
    assert.deepEqual(answer.content, [{ type: 'text', text: 'fine' }]);
    assert.equal(primary.requests[0]?.path, '/v1/chat/completions');
    const retried = secondary.requests[0];
    assert.ok(retried);
    assert.equal(retried.path, '/v1/messages');
    assert.equal(retried.headers['content-length'], String(retried.body.length));
    assert.deepEqual(parseJson(retried.body.toString('utf8')), sent);
  });
});

describe('every priority fails: the last failure reaches the client in its API shape', () => {
  test('both answer 503: 503 with the provider body and its retry-after', async () => {
    const answer = await post(port, CHAT, 'fb', chat(), { ...faultHeaders({ fault: 'status', status: 503, retryAfter: '9' }) });
    assert.equal(answer.status, 503);
    assert.equal(answer.headers.get('retry-after'), '9');
    assert.equal(openAIError(answer).message, 'provider says 503');
    assert.ok(primary.requests.length >= 1 && secondary.requests.length >= 1);
  });

  test('both answer 429 to an Anthropic client: 429 rate_limit_error', async () => {
    const answer = await post(port, MESSAGES, 'fb-anthropic', message(), {
      ...faultHeaders({ fault: 'status', status: 429, retryAfter: '9' }, PRIMARY),
      ...faultHeaders({ fault: 'status', status: 429, retryAfter: '9' }),
    });
    assert.equal(answer.status, 429);
    assert.equal(anthropicError(answer).type, 'rate_limit_error');
  });

  test('both refuse connections: 503 from Envoy, in the OpenAI shape or in Anthropic\'s', async () => {
    const forOpenAI = await post(port, CHAT, 'fb-dead', chat());
    assert.equal(forOpenAI.status, 503);
    // The reply names the backend of the last attempt and its address, not Envoy's response flags.
    const unreachable = /backend default\/fb-dead\S* \(127\.0\.0\.1:\d+\) is unreachable/;
    assert.match(String(openAIError(forOpenAI).message), unreachable);
    assert.doesNotMatch(String(openAIError(forOpenAI).message), /\bUF\b|upstream connect error/);

    const forAnthropic = await post(port, MESSAGES, 'fb-dead', message());
    assert.equal(forAnthropic.status, 503);
    const error = anthropicError(forAnthropic);
    assert.equal(error.type, 'service_unavailable_error');
    assert.match(String(error.message), unreachable);
    const body = parseJson(forAnthropic.text);
    assert.ok(isRecord(body.error) && body.error.code === undefined, 'no OpenAI fields left over');
  });
});
