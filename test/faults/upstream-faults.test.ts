/**
 * Upstream faults through the real gateway (`aigw run`: Envoy and the ext_proc), no fallback
 * configured: a provider that refuses connections, never answers, answers slowly, resets in the
 * middle of a body or of a stream, sends malformed JSON or SSE, cuts an AWS event stream, or
 * answers 429/503 with `retry-after`. For each, the status and body the client sees (in its own
 * API's error shape: OpenAI's on /v1, Anthropic's on /anthropic), that no request hangs, that the
 * SDKs raise on a broken stream instead of returning a truncated answer as complete, and that the
 * gateway survives all of it (same ext_proc process, next request fine).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { freePort, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { anthropicError, drain, NO_HANG_MS, openAIError, post, rejection } from '../support/fault-client.js';
import { awsCredentialsFile, type AwsTestCredentials } from '../support/fake-bedrock.js';
import { faultHeaders, startFaultyUpstream, type FaultSpec, type FaultyRequest, type FaultyUpstream } from '../support/faulty-upstream.js';
import { gatewayPids } from '../support/process-tree.js';
import { BACKEND_SELECTOR_HEADER, providerGatewayYaml } from '../support/provider-gateway-yaml.js';

const linuxOnly = process.platform !== 'linux' ? 'needs /proc (Linux)' : false;
const AWS: AwsTestCredentials = { accessKeyId: 'AKIAFAULTTEST', secretAccessKey: 'fault-secret', region: 'us-east-1' };
const CHAT = '/v1/chat/completions';
const MESSAGES = '/anthropic/v1/messages';
const MODEL = 'fault-model';
/** The rules with a short route timeout (`timeouts.request`). */
const TIMEOUT_MS = 1_000;

let faulty: FaultyUpstream;
let aigw: AigwProcess;
let port: number;
let openai: OpenAI;
let anthropic: Anthropic;
let extProcPid: number | undefined;

const chat = (): { model: string; messages: { role: 'user'; content: string }[] } => ({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });
const chatStream = (): ReturnType<typeof chat> & { stream: true } => ({ ...chat(), stream: true });
const message = (): { model: string; max_tokens: number; messages: { role: 'user'; content: string }[] } => ({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] });
const messageStream = (): ReturnType<typeof message> & { stream: true } => ({ ...message(), stream: true });
/** Per-request SDK options: the backend to use and the fault it should commit. */
const via = (backend: string, fault?: FaultSpec): { headers: Record<string, string> } => ({ headers: { [BACKEND_SELECTOR_HEADER]: backend, ...(fault ? faultHeaders(fault) : {}) } });

/** The upstream request the last call made, once its connection is done. */
async function lastUpstreamRequest(): Promise<FaultyRequest> {
  const request = faulty.requests.at(-1);
  assert.ok(request, 'the upstream got no request');
  await request.done;
  return request;
}

before(async () => {
  faulty = await startFaultyUpstream();
  const closedPort = await freePort(); // nothing listens there
  port = await freePort();
  const aws = {
    fqdn: true,
    security: { type: 'AWSCredentials', awsCredentials: { region: AWS.region, credentialsFile: { secretRef: { name: 'aws-credentials' } } } },
    secrets: { 'aws-credentials': { credentials: awsCredentialsFile(AWS) } },
  };
  aigw = await startAigw({
    configYaml: providerGatewayYaml(port, [
      { name: 'openai', schema: { name: 'OpenAI' }, port: faulty.port },
      { name: 'openai-1s', schema: { name: 'OpenAI' }, port: faulty.port, requestTimeout: '1s' },
      { name: 'anthropic', schema: { name: 'Anthropic' }, port: faulty.port, requestTimeout: '1s' },
      { name: 'bedrock', schema: { name: 'AWSBedrock' }, port: faulty.port, requestTimeout: '1s', ...aws },
      { name: 'refused', schema: { name: 'OpenAI' }, port: closedPort },
      { name: 'refused-anthropic', schema: { name: 'Anthropic' }, port: closedPort },
    ]),
  });
  if (!linuxOnly) extProcPid = (await gatewayPids(aigw.pid)).extProc;
  openai = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0, timeout: NO_HANG_MS });
  anthropic = new Anthropic({ baseURL: `http://127.0.0.1:${port}/anthropic`, apiKey: 'unused', maxRetries: 0, timeout: NO_HANG_MS });
});

after(async () => {
  await aigw?.stop();
  await faulty?.close();
});

describe('upstream refuses connections', () => {
  test('OpenAI client: 503 with an OpenAI error body naming the connect failure, stream or not', async () => {
    for (const stream of [false, true]) {
      const answer = await post(port, CHAT, 'refused', stream ? chatStream() : chat());
      assert.equal(answer.status, 503);
      const error = openAIError(answer);
      assert.match(String(error.message), /backend default\/refused \(127\.0\.0\.1:\d+\) is unreachable/);
      assert.equal(error.code, 'upstream_error');
    }
    const error = await rejection(() => openai.chat.completions.create(chat(), via('refused')));
    assert.ok(error instanceof OpenAI.APIError && error.status === 503, String(error));
  });

  test('Anthropic client: 503 in Anthropic\'s error shape', async () => {
    const answer = await post(port, MESSAGES, 'refused-anthropic', message());
    assert.equal(answer.status, 503);
    assert.match(String(anthropicError(answer).message), /backend default\/refused-anthropic \(127\.0\.0\.1:\d+\) is unreachable/);
    const error = await rejection(() => anthropic.messages.create(message(), via('refused-anthropic')));
    assert.ok(error instanceof Anthropic.APIError && error.status === 503, String(error));
    assert.equal(error.type, 'service_unavailable_error');
  });
});

describe('upstream accepts but never answers: 504 at the route timeout, the upstream request is cancelled', () => {
  test('OpenAI pass-through, stream or not', async () => {
    for (const stream of [false, true]) {
      const answer = await post(port, CHAT, 'openai-1s', stream ? chatStream() : chat(), faultHeaders({ fault: 'hang' }));
      assert.equal(answer.status, 504);
      assert.match(String(openAIError(answer).message), /upstream request timeout/);
      assert.ok(answer.ms >= TIMEOUT_MS - 50 && answer.ms < TIMEOUT_MS + 2_000, `answered after ${Math.round(answer.ms)} ms`);
      const upstream = await lastUpstreamRequest();
      assert.equal(upstream.fault, 'hang');
      assert.ok(upstream.abortedAt !== undefined, 'Envoy closed the upstream request');
    }
  });

  test('Anthropic client: 504 as timeout_error', async () => {
    const answer = await post(port, MESSAGES, 'anthropic', message(), faultHeaders({ fault: 'hang' }));
    assert.equal(answer.status, 504);
    assert.equal(anthropicError(answer).type, 'timeout_error');
  });

  test('translated backend (Bedrock, OpenAI client): 504 in the OpenAI shape, not wrapped as a provider error', async () => {
    const answer = await post(port, CHAT, 'bedrock', chat(), faultHeaders({ fault: 'hang' }));
    assert.equal(answer.status, 504);
    const error = openAIError(answer);
    assert.equal(error.code, 'upstream_error');
    assert.match(String(error.message), /^upstream failure: upstream request timeout/);
  });
});

describe('upstream answers slowly, within the timeout', () => {
  test('a late answer still arrives (200), after the delay', async () => {
    const started = performance.now();
    const completion = await openai.chat.completions.create(chat(), via('openai-1s', { fault: 'slow', delayMs: 400 }));
    assert.equal(completion.choices[0]?.message.content, 'fine');
    assert.ok(performance.now() - started >= 400);
  });

  test('a stream with gaps between events is read to the end', async () => {
    const outcome = await drain(() => openai.chat.completions.create(chatStream(), via('openai', { fault: 'slow-stream', delayMs: 150 })));
    assert.equal(outcome.error, undefined, String(outcome.error));
    assert.equal(outcome.items.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), 'slowly but surely');
    assert.ok(outcome.ms >= 4 * 150);
  });
});

describe('upstream resets in the middle of a JSON body', () => {
  test('502, no hang, stream or backend schema', async () => {
    for (const [path, backend, body] of [
      [CHAT, 'openai', chat()],
      [CHAT, 'bedrock', chat()],
      [MESSAGES, 'anthropic', message()],
    ] as const) {
      const answer = await post(port, path, backend, body, faultHeaders({ fault: 'reset-body' }));
      assert.equal(answer.status, 502, `${backend}: ${answer.text}`);
      assert.match(answer.text, /reset/);
    }
  });

  // Envoy answers this one itself (response flag UPE); local_reply_config maps it to JSON.
  test('the 502 body is JSON in the client API shape', async () => {
    const answer = await post(port, CHAT, 'openai', chat(), faultHeaders({ fault: 'reset-body' }));
    assert.equal(answer.status, 502);
    assert.match(String(openAIError(answer).message), /protocol error/);
  });
});

describe('upstream resets in the middle of a stream: the events so far arrive, then the SDK raises', () => {
  test('OpenAI pass-through', async () => {
    const outcome = await drain(() => openai.chat.completions.create(chatStream(), via('openai', { fault: 'reset-stream', events: 2 })));
    assert.equal(outcome.items.length, 2);
    assert.ok(outcome.error !== undefined, 'the SDK must raise: the stream was cut');
    assert.ok(!(outcome.error instanceof OpenAI.APIUserAbortError));
  });

  test('Anthropic backend translated for an OpenAI client', async () => {
    const outcome = await drain(() => openai.chat.completions.create(chatStream(), via('anthropic', { fault: 'reset-stream', events: 5 })));
    assert.equal(outcome.items.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), 'one two');
    assert.ok(outcome.error !== undefined, 'the SDK must raise: the stream was cut');
  });

  test('Anthropic client, Anthropic backend', async () => {
    const outcome = await drain(() => anthropic.messages.create(messageStream(), via('anthropic', { fault: 'reset-stream', events: 5 })));
    assert.ok(outcome.items.some((event) => event.type === 'content_block_delta'));
    assert.ok(!outcome.items.some((event) => event.type === 'message_stop'));
    assert.ok(outcome.error !== undefined, 'the SDK must raise: the stream was cut');
  });
});

describe('upstream sends malformed JSON with a 200: 502 in the client API shape', () => {
  test('OpenAI pass-through', async () => {
    const answer = await post(port, CHAT, 'openai', chat(), faultHeaders({ fault: 'malformed-json' }));
    assert.equal(answer.status, 502);
    assert.match(String(openAIError(answer).message), /response of backend default\/openai cannot be read: the OpenAI response is not valid JSON/);
    const error = await rejection(() => openai.chat.completions.create(chat(), via('openai', { fault: 'malformed-json' })));
    assert.ok(error instanceof OpenAI.APIError && error.status === 502, String(error));
  });

  test('translated backends (Anthropic, Bedrock) for an OpenAI client', async () => {
    for (const backend of ['anthropic', 'bedrock']) {
      const answer = await post(port, CHAT, backend, chat(), faultHeaders({ fault: 'malformed-json' }));
      assert.equal(answer.status, 502, backend);
      assert.match(String(openAIError(answer).message), /cannot be read: .*not JSON/);
    }
  });

  test('Anthropic client', async () => {
    const answer = await post(port, MESSAGES, 'anthropic', message(), faultHeaders({ fault: 'malformed-json' }));
    assert.equal(answer.status, 502);
    assert.equal(anthropicError(answer).type, 'api_error');
  });
});

describe('upstream sends malformed SSE: the SDK raises', () => {
  test('OpenAI pass-through: forwarded as it came, the SDK fails to parse it', async () => {
    const outcome = await drain(() => openai.chat.completions.create(chatStream(), via('openai', { fault: 'malformed-sse' })));
    assert.equal(outcome.items.length, 1);
    assert.ok(outcome.error !== undefined, 'the SDK must raise on the malformed event');
  });

  test('translated for an OpenAI client: an error event, which the SDK raises as an APIError', async () => {
    const outcome = await drain(() => openai.chat.completions.create(chatStream(), via('anthropic', { fault: 'malformed-sse' })));
    assert.ok(outcome.error instanceof OpenAI.APIError, String(outcome.error));
    assert.match(outcome.error.message, /cannot be read: Anthropic stream event is not JSON/);
  });

  test('translated for an Anthropic client: an error event, which the SDK raises', async () => {
    // An Anthropic client on an OpenAI backend: the OpenAI chunks are translated.
    const outcome = await drain(() => anthropic.messages.create(messageStream(), via('openai', { fault: 'malformed-sse' })));
    assert.ok(outcome.error instanceof Anthropic.APIError, String(outcome.error));
    assert.match(outcome.error.message, /cannot be read/);
    assert.ok(!outcome.items.some((event) => event.type === 'message_stop'));
  });
});

describe('Bedrock cuts its event stream short: an error, never a clean [DONE]', () => {
  test('cut inside a frame, OpenAI client', async () => {
    const outcome = await drain(() => openai.chat.completions.create(chatStream(), via('bedrock', { fault: 'truncated-aws' })));
    assert.equal(outcome.items.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), 'cut short');
    assert.ok(outcome.error instanceof OpenAI.APIError, String(outcome.error));
    assert.match(outcome.error.message, /ended inside a frame/);
    const raw = await post(port, CHAT, 'bedrock', chatStream(), faultHeaders({ fault: 'truncated-aws' }));
    assert.equal(raw.status, 200);
    assert.ok(!raw.text.includes('[DONE]'), raw.text);
  });

  test('cut between frames before messageStop, OpenAI client', async () => {
    const outcome = await drain(() => openai.chat.completions.create(chatStream(), via('bedrock', { fault: 'truncated-aws-boundary' })));
    assert.ok(outcome.error instanceof OpenAI.APIError, String(outcome.error));
    assert.match(outcome.error.message, /ended before the message was complete/);
  });

  test('Anthropic client: an error event, no message_stop', async () => {
    for (const fault of ['truncated-aws', 'truncated-aws-boundary'] as const) {
      const outcome = await drain(() => anthropic.messages.create(messageStream(), via('bedrock', { fault })));
      assert.ok(outcome.error instanceof Anthropic.APIError, `${fault}: ${String(outcome.error)}`);
      assert.ok(!outcome.items.some((event) => event.type === 'message_stop'), fault);
    }
  });
});

describe('429 and 503 with retry-after, no fallback configured: the provider\'s status and retry-after reach the client', () => {
  test('OpenAI pass-through', async () => {
    for (const status of [429, 503]) {
      const answer = await post(port, CHAT, 'openai', chat(), faultHeaders({ fault: 'status', status, retryAfter: '7' }));
      assert.equal(answer.status, status);
      assert.equal(answer.headers.get('retry-after'), '7');
      assert.equal(openAIError(answer).message, `provider says ${status}`);
    }
    const error = await rejection(() => openai.chat.completions.create(chat(), via('openai', { fault: 'status', status: 429, retryAfter: '7' })));
    assert.ok(error instanceof OpenAI.RateLimitError, String(error));
    assert.equal(error.headers?.get('retry-after'), '7');
  });

  test('Bedrock for an OpenAI client: the AWS error type, in the OpenAI shape', async () => {
    const answer = await post(port, CHAT, 'bedrock', chatStream(), faultHeaders({ fault: 'status', status: 429, retryAfter: '3' }));
    assert.equal(answer.status, 429);
    assert.equal(answer.headers.get('retry-after'), '3');
    assert.equal(openAIError(answer).type, 'ThrottlingException');
  });

  test('Anthropic client', async () => {
    const answer = await post(port, MESSAGES, 'anthropic', message(), faultHeaders({ fault: 'status', status: 429, retryAfter: '7' }));
    assert.equal(answer.status, 429);
    assert.equal(answer.headers.get('retry-after'), '7');
    assert.equal(anthropicError(answer).type, 'rate_limit_error');
  });
});

test('the gateway survived every fault: same ext_proc process, the next requests succeed', { skip: linuxOnly }, async () => {
  assert.equal(aigw.stderr.includes('exited unexpectedly'), false, aigw.stderr);
  assert.equal((await gatewayPids(aigw.pid)).extProc, extProcPid, 'the ext_proc was not restarted');
  const completion = await openai.chat.completions.create(chat(), via('openai'));
  assert.equal(completion.choices[0]?.message.content, 'fine');
  const streamed = await drain(() => anthropic.messages.create(messageStream(), via('bedrock')));
  assert.equal(streamed.error, undefined, String(streamed.error));
  assert.ok(streamed.items.some((event) => event.type === 'message_stop'));
});
