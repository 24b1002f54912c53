/**
 * Streams whose provider goes silent, or that outlast the route timeout, through the real gateway
 * with the official SDKs: the client gets an error event in its own stream format naming the
 * timeout that fired and its value (the SDK raises it), never a bare close and never a clean
 * `[DONE]` / `message_stop`; the provider's request is cancelled, Envoy keeps no connection
 * behind (and logs no bug), and the gateway keeps serving. Covered: an OpenAI pass-through, an
 * Anthropic pass-through, translations both ways (SSE and AWS event stream), the route timeout
 * mid-stream, and a fallback rule (whose stream the router filter ends).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { freePort, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { envoyAdminAddress, envoyStatSum } from '../support/envoy-stats.js';
import { awsCredentialsFile, type AwsTestCredentials } from '../support/fake-bedrock.js';
import { drain, NO_HANG_MS, post } from '../support/fault-client.js';
import { faultHeaders, startFaultyUpstream, type FaultSpec, type FaultyRequest, type FaultyUpstream } from '../support/faulty-upstream.js';
import { gatewayPids } from '../support/process-tree.js';
import { BACKEND_SELECTOR_HEADER, providerGatewayYaml } from '../support/provider-gateway-yaml.js';

const linuxOnly = process.platform !== 'linux' ? 'needs /proc (Linux)' : false;
const AWS: AwsTestCredentials = { accessKeyId: 'AKIAFAULTTEST', secretAccessKey: 'fault-secret', region: 'us-east-1' };
/** The primary of the fallback rule takes its fault from this header (it fails by default). */
const PRIMARY = 'x-primary-fault';
/** `streamIdleTimeout` of the idle rules; the provider's gaps in the tests are longer. */
const IDLE_MS = 1_000;
/** `timeouts.request` of the `deadline` rule. */
const REQUEST_MS = 2_000;
/** A provider silent for longer than the idle timeout. */
const STALL: FaultSpec = { fault: 'slow-stream', delayMs: 4_000 };

let faulty: FaultyUpstream;
let failing: FaultyUpstream;
let aigw: AigwProcess;
let port: number;
let admin: string;
let openai: OpenAI;
let anthropic: Anthropic;
let extProcPid: number | undefined;

const chatStream = (): { model: string; stream: true; messages: { role: 'user'; content: string }[] } => ({ model: 'fault-model', stream: true, messages: [{ role: 'user', content: 'hi' }] });
const messageStream = (): { model: string; max_tokens: number; stream: true; messages: { role: 'user'; content: string }[] } => ({ ...chatStream(), max_tokens: 16 });
const via = (backend: string, fault: FaultSpec): { headers: Record<string, string> } => ({ headers: { [BACKEND_SELECTOR_HEADER]: backend, ...faultHeaders(fault) } });

/** The provider's request of the last call, once its connection is done: it must have been cancelled. */
async function assertCancelled(): Promise<void> {
  const request: FaultyRequest | undefined = faulty.requests.at(-1);
  assert.ok(request, 'the provider got no request');
  await Promise.race([request.done, new Promise((resolve) => setTimeout(resolve, 3_000))]);
  assert.ok(request.abortedAt !== undefined, 'the provider request is still open, or ran to its end');
}

before(async () => {
  faulty = await startFaultyUpstream();
  failing = await startFaultyUpstream({ fault: 'status', status: 503 }, PRIMARY);
  port = await freePort();
  const idle = { requestTimeout: '30s', streamIdleTimeout: `${IDLE_MS}ms` };
  aigw = await startAigw({
    configYaml: providerGatewayYaml(
      port,
      [
        { name: 'openai', schema: { name: 'OpenAI' }, port: faulty.port, ...idle },
        { name: 'anthropic', schema: { name: 'Anthropic' }, port: faulty.port, ...idle },
        {
          name: 'bedrock',
          schema: { name: 'AWSBedrock' },
          port: faulty.port,
          fqdn: true,
          security: { type: 'AWSCredentials', awsCredentials: { region: AWS.region, credentialsFile: { secretRef: { name: 'aws-credentials' } } } },
          secrets: { 'aws-credentials': { credentials: awsCredentialsFile(AWS) } },
          ...idle,
        },
        { name: 'deadline', schema: { name: 'OpenAI' }, port: faulty.port, requestTimeout: `${REQUEST_MS}ms` },
        { name: 'fallback', schema: { name: 'OpenAI' }, port: faulty.port, failingPrimaryPort: failing.port, ...idle },
      ],
      { retryStatusCodes: [503] },
    ),
  });
  admin = await envoyAdminAddress(aigw);
  if (!linuxOnly) extProcPid = (await gatewayPids(aigw.pid)).extProc;
  openai = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0, timeout: NO_HANG_MS });
  anthropic = new Anthropic({ baseURL: `http://127.0.0.1:${port}/anthropic`, apiKey: 'unused', maxRetries: 0, timeout: NO_HANG_MS });
});

after(async () => {
  await aigw?.stop();
  await faulty?.close();
  await failing?.close();
});

describe('a provider silent for longer than streamIdleTimeout', () => {
  test('OpenAI client, OpenAI backend: the SDK raises the idle timeout, after the events that came', async () => {
    const outcome = await drain(() => openai.chat.completions.create(chatStream(), via('openai', STALL)));
    assert.ok(outcome.error instanceof OpenAI.APIError, String(outcome.error));
    assert.match(outcome.error.message, /^stream idle timeout: backend default\/openai sent nothing for 1s \(streamIdleTimeout 1s\)/);
    assert.equal(outcome.items.length, 1, 'the first event arrived before the silence');
    assert.ok(outcome.ms >= IDLE_MS && outcome.ms < IDLE_MS + 1_500, `ended after ${Math.round(outcome.ms)} ms`);
    await assertCancelled();
  });

  test('the raw stream: the error event ends it cleanly, no [DONE]', async () => {
    const raw = await post(port, '/v1/chat/completions', 'openai', chatStream(), faultHeaders(STALL));
    assert.equal(raw.status, 200);
    assert.ok(!raw.text.includes('[DONE]'), raw.text);
    assert.match(raw.text, /\n\ndata: \{"type":"error","error":\{"type":"GatewayTimeout","code":"504","message":"stream idle timeout: [^"]*"\}\}\n\n$/);
  });

  test('Anthropic client, Anthropic backend: an `error` event of type timeout_error, no message_stop', async () => {
    const outcome = await drain(() => anthropic.messages.create(messageStream(), via('anthropic', STALL)));
    assert.ok(outcome.error instanceof Anthropic.APIError, String(outcome.error));
    assert.equal(outcome.error.type, 'timeout_error');
    assert.match(outcome.error.message, /stream idle timeout: backend default\/anthropic sent nothing for 1s \(streamIdleTimeout 1s\)/);
    assert.ok(outcome.items.some((event) => event.type === 'message_start'));
    assert.ok(!outcome.items.some((event) => event.type === 'message_stop'));
    await assertCancelled();
  });

  test('translated streams: Anthropic client on an OpenAI backend, OpenAI client on Bedrock ConverseStream', async () => {
    const translated = await drain(() => anthropic.messages.create(messageStream(), via('openai', STALL)));
    assert.ok(translated.error instanceof Anthropic.APIError, String(translated.error));
    assert.equal(translated.error.type, 'timeout_error');
    assert.ok(!translated.items.some((event) => event.type === 'message_stop'));
    const bedrock = await drain(() => openai.chat.completions.create(chatStream(), via('bedrock', STALL)));
    assert.ok(bedrock.error instanceof OpenAI.APIError, String(bedrock.error));
    assert.match(bedrock.error.message, /stream idle timeout: backend default\/bedrock/);
    await assertCancelled();
  });

  test('a fallback rule: the router filter ends the stream, naming the rule', async () => {
    const outcome = await drain(() => openai.chat.completions.create(chatStream(), via('fallback', STALL)));
    assert.ok(outcome.error instanceof OpenAI.APIError, String(outcome.error));
    assert.match(outcome.error.message, /^stream idle timeout: the backend of rule default\/aigw-run\/rule\/\d+ sent nothing for 1s \(streamIdleTimeout 1s\)/);
    assert.equal(failing.requests.at(-1)?.fault, 'status', 'the primary failed first');
    await assertCancelled();
  });

  test('gaps shorter than the idle timeout are fine: the timer starts over on every event', async () => {
    const outcome = await drain(() => openai.chat.completions.create(chatStream(), via('openai', { fault: 'slow-stream', delayMs: 400 })));
    assert.equal(outcome.error, undefined, String(outcome.error));
    assert.equal(outcome.items.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), 'slowly but surely');
    assert.ok(outcome.ms > 2 * IDLE_MS, 'the whole stream outlasted the idle timeout');
  });

  test('silent right after the headers: only Envoy can end it (a reset, 1 s after the ext_proc gave up); the SDK still raises', async () => {
    const outcome = await drain(() => openai.chat.completions.create(chatStream(), via('openai', { fault: 'headers-then-hang' })));
    assert.ok(outcome.error !== undefined, 'never a success');
    assert.equal(outcome.items.length, 0);
    assert.ok(outcome.ms >= IDLE_MS && outcome.ms < IDLE_MS + 3_000, `ended after ${Math.round(outcome.ms)} ms`);
  });
});

describe('the route timeout fires mid-stream', () => {
  test('a provider still streaming when timeouts.request runs out: the SDK raises the request timeout', async () => {
    const outcome = await drain(() => openai.chat.completions.create(chatStream(), via('deadline', { fault: 'stream-forever' })));
    assert.ok(outcome.error instanceof OpenAI.APIError, String(outcome.error));
    assert.match(outcome.error.message, /^request timeout: the request reached its 2s limit \(timeouts.request 2s\) while backend default\/deadline was still streaming/);
    assert.ok(outcome.items.length > 10, `${outcome.items.length} events arrived before the end`);
    assert.ok(outcome.ms > REQUEST_MS - 500 && outcome.ms < REQUEST_MS + 1_000, `ended after ${Math.round(outcome.ms)} ms`);
    await assertCancelled();
  });
});

test('nothing is left behind and the gateway keeps serving', async () => {
  await new Promise((resolve) => setTimeout(resolve, 500));
  // Connections may stay pooled (keep-alive after a complete answer); requests may not.
  assert.equal(await envoyStatSum(admin, '^cluster\\.default/.*\\.upstream_rq_active$'), 0, 'Envoy still has provider requests open');
  assert.equal(await envoyStatSum(admin, '^http\\.default_aigw-run_http\\.downstream_rq_active$'), 0, 'Envoy still has client requests open');
  assert.equal(await envoyStatSum(admin, '^server\\.envoy_bug_failures$'), 0, 'Envoy logged a bug');
  if (!linuxOnly) assert.equal((await gatewayPids(aigw.pid)).extProc, extProcPid, 'the ext_proc was not restarted');
  const outcome = await drain(() => openai.chat.completions.create(chatStream(), via('openai', { fault: 'ok' })));
  assert.equal(outcome.error, undefined, String(outcome.error));
  assert.equal(outcome.items.map((chunk) => chunk.choices[0]?.delta.content ?? '').join(''), 'all is fine');
});
