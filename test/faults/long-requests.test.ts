/**
 * Requests that last minutes, as reasoning models produce them, through the real gateway. Envoy
 * 1.38 with graceful ext_proc stream close crashed (SIGSEGV) on any request ending more than 50 s
 * after the previous request started on its worker: a 65 s answer, a long stream, a client abort
 * or a route timeout each took the whole gateway down. Here all four run at once (so no other
 * request starts while they last, the condition of the crash), then the gateway must still be the
 * same processes and serve.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import OpenAI from 'openai';
import { freePort, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { openAIError } from '../support/fault-client.js';
import { faultHeaders, startFaultyUpstream, type FaultyUpstream } from '../support/faulty-upstream.js';
import { gatewayPids, type GatewayPids } from '../support/process-tree.js';
import { BACKEND_SELECTOR_HEADER, providerGatewayYaml } from '../support/provider-gateway-yaml.js';

const linuxOnly = process.platform !== 'linux' ? 'needs /proc (Linux)' : false;
const MODEL = 'fault-model';
const CHAT = { model: MODEL, messages: [{ role: 'user' as const, content: 'think hard' }] };

let faulty: FaultyUpstream;
let aigw: AigwProcess;
let port: number;
let openai: OpenAI;
let pids: GatewayPids | undefined;
let exited = false;

before(async () => {
  faulty = await startFaultyUpstream();
  port = await freePort();
  aigw = await startAigw({
    configYaml: providerGatewayYaml(port, [
      { name: 'long', schema: { name: 'OpenAI' }, port: faulty.port, requestTimeout: '300s' },
      { name: 'timeout-60s', schema: { name: 'OpenAI' }, port: faulty.port, requestTimeout: '60s' },
    ]),
  });
  void aigw.exited.then(() => {
    exited = true;
  });
  if (!linuxOnly) pids = await gatewayPids(aigw.pid);
  openai = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 150_000 });
});

after(async () => {
  await aigw?.stop();
  await faulty?.close();
});

const via = (backend: string, headers: Record<string, string> = {}): { headers: Record<string, string> } => ({ headers: { [BACKEND_SELECTOR_HEADER]: backend, ...headers } });

test('65 s answers, 90 s streams, a client abort at 55 s and a 60 s route timeout leave the gateway serving', { timeout: 180_000 }, async () => {
  const started = performance.now();
  const elapsed = (): number => (performance.now() - started) / 1000;

  const slowAnswer = (async () => {
    const completion = await openai.chat.completions.create(CHAT, via('long', faultHeaders({ fault: 'slow', delayMs: 65_000 })));
    return { content: completion.choices[0]?.message.content, seconds: elapsed() };
  })();

  const longStream = (async () => {
    const stream = await openai.chat.completions.create({ ...CHAT, stream: true, stream_options: { include_usage: true } }, via('long', faultHeaders({ fault: 'slow-stream', delayMs: 5_000, events: 15 })));
    let text = '';
    let finish: string | null | undefined;
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta.content ?? '';
      finish ??= chunk.choices[0]?.finish_reason;
    }
    return { text, finish, chunks, seconds: elapsed() };
  })();

  const aborted = (async () => {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), 55_000);
    const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...via('long', faultHeaders({ fault: 'stream-forever' })).headers },
      body: JSON.stringify({ ...CHAT, stream: true }),
      signal: controller.signal,
    });
    let bytes = 0;
    const reader = response.body?.getReader();
    try {
      for (let read = await reader?.read(); read && !read.done; read = await reader?.read()) {
        const chunk: unknown = read.value;
        if (chunk instanceof Uint8Array) bytes += chunk.length;
      }
    } catch (error) {
      assert.ok(error instanceof Error && error.name === 'AbortError', String(error));
    } finally {
      clearTimeout(timer);
    }
    return { status: response.status, bytes, seconds: elapsed() };
  })();

  const timedOut = (async () => {
    const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...via('timeout-60s', faultHeaders({ fault: 'hang' })).headers },
      body: JSON.stringify(CHAT),
      signal: AbortSignal.timeout(120_000),
    });
    return { status: response.status, headers: response.headers, text: await response.text(), ms: 0, seconds: elapsed() };
  })();

  const [answer, stream, abort, timeout] = await Promise.all([slowAnswer, longStream, aborted, timedOut]);
  assert.equal(answer.content, 'fine');
  assert.ok(answer.seconds >= 65, `the answer came after ${answer.seconds} s`);
  assert.equal(stream.finish, 'stop');
  assert.equal(stream.text, Array.from({ length: 15 }, (_, i) => ` w${i}`).join(''));
  assert.ok(stream.seconds >= 85, `the stream ended after ${stream.seconds} s`);
  assert.equal(abort.status, 200);
  assert.ok(abort.bytes > 0 && abort.seconds >= 55, `aborted after ${abort.seconds} s with ${abort.bytes} bytes`);
  assert.equal(timeout.status, 504, timeout.text);
  assert.match(String(openAIError(timeout).message), /upstream request timeout/);
  assert.ok(timeout.seconds >= 59 && timeout.seconds < 90, `the route timeout fired after ${timeout.seconds} s`);

  // The provider saw the client go away (the abort reached it).
  const foreverRequest = faulty.requests.find((request) => request.fault === 'stream-forever');
  assert.ok(foreverRequest?.abortedAt !== undefined, 'the upstream stream was not cancelled after the client abort');

  // Same gateway, still serving.
  const next = await openai.chat.completions.create(CHAT, via('long'));
  assert.equal(next.choices[0]?.message.content, 'fine');
  assert.equal(exited, false, aigw.stderr);
  assert.doesNotMatch(aigw.stderr, /Segmentation fault|Caught|backtrace/);
  if (pids) assert.deepEqual(await gatewayPids(aigw.pid), pids);
});
