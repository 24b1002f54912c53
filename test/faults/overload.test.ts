/**
 * Bursts and local failures through the real gateway. Envoy's default circuit breakers (1024
 * concurrent requests per cluster, the ext_proc's included) turned request 1025 into an empty
 * 500; replies Envoy made itself (overflow, a stalled ext_proc, too many headers once the
 * gateway added its own) had empty bodies. Now: 1500 concurrent requests all succeed; real
 * overload (a BackendTrafficPolicy circuitBreaker) is a 503 with `retry-after` and a JSON body in
 * the client API's shape; every other reply the gateway makes itself is JSON saying what happened.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { freePort, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { anthropicError, openAIError, post, type RawAnswer } from '../support/fault-client.js';
import { faultHeaders, startFaultyUpstream, type FaultyUpstream } from '../support/faulty-upstream.js';
import { gatewayPids } from '../support/process-tree.js';
import { BACKEND_SELECTOR_HEADER, providerGatewayYaml } from '../support/provider-gateway-yaml.js';

const linuxOnly = process.platform !== 'linux' ? 'needs /proc and signals (Linux)' : false;
const CHAT_PATH = '/v1/chat/completions';
const MESSAGES_PATH = '/anthropic/v1/messages';
const CHAT = { model: 'fault-model', messages: [{ role: 'user', content: 'hi' }] };
const MESSAGE = { model: 'fault-model', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };
/** The circuit breaker of the `limited` backends. */
const PARALLEL_LIMIT = 4;

let faulty: FaultyUpstream;
let aigw: AigwProcess;
let port: number;

/** A BackendTrafficPolicy with a small circuit breaker on the route of the `limited` rules. */
const limitedRoute = (): string =>
  stringify({
    apiVersion: 'gateway.envoyproxy.io/v1alpha1',
    kind: 'BackendTrafficPolicy',
    metadata: { name: 'limited', namespace: 'default' },
    spec: { targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', name: 'limited' }], circuitBreaker: { maxParallelRequests: PARALLEL_LIMIT, maxPendingRequests: 1 } },
  });

before(async () => {
  faulty = await startFaultyUpstream();
  port = await freePort();
  const main = providerGatewayYaml(port, [
    { name: 'openai', schema: { name: 'OpenAI' }, port: faulty.port },
    { name: 'anthropic', schema: { name: 'Anthropic' }, port: faulty.port },
  ]);
  // A second route on the same Gateway (its own name, so the policy targets it alone).
  const limited = providerGatewayYaml(port, [
    { name: 'limited-openai', schema: { name: 'OpenAI' }, port: faulty.port },
    { name: 'limited-anthropic', schema: { name: 'Anthropic' }, port: faulty.port },
  ])
    .split('---\n')
    .filter((document) => !/^kind: (GatewayClass|Gateway|EnvoyProxy)$/m.test(document))
    .map((document) => document.replace(/^( {2}name: )aigw-run$/m, '$1limited'))
    .join('---\n');
  aigw = await startAigw({ configYaml: `${main}---\n${limited}---\n${limitedRoute()}` });
});

after(async () => {
  await aigw?.stop();
  await faulty?.close();
});

/** Raw request with many headers or a long deadline (post() allows 8 s). */
async function request(path: string, backend: string, body: Record<string, unknown>, headers: Record<string, string>, options: { timeoutMs?: number } = {}): Promise<RawAnswer> {
  const started = performance.now();
  // fetch's default dispatcher opens as many connections as there are concurrent requests.
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [BACKEND_SELECTOR_HEADER]: backend, ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(options.timeoutMs ?? 30_000),
  });
  return { status: response.status, headers: response.headers, text: await response.text(), ms: performance.now() - started };
}

describe('bursts', () => {
  test('1500 concurrent requests all get their answer', { timeout: 120_000 }, async () => {
    let peak = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, faulty.openSockets)), 100);
    const outcomes = await Promise.all(
      Array.from({ length: 1500 }, () =>
        request(CHAT_PATH, 'openai', CHAT, faultHeaders({ fault: 'slow', delayMs: 3000 }), { timeoutMs: 90_000 }).then(
          (answer) => (answer.status === 200 ? undefined : `${answer.status} ${answer.text.slice(0, 200)}`),
          (error: unknown) => String(error),
        ),
      ),
    );
    clearInterval(sampler);
    const failures = outcomes.filter((outcome) => outcome !== undefined);
    assert.equal(failures.length, 0, `${failures.length} of 1500 failed, e.g. ${failures.slice(0, 3).join(' | ')}`);
    // They were in flight together: the provider held (nearly) all of them at once.
    assert.ok(peak > 1400, `at most ${peak} requests reached the provider at once`);
  });

  test('beyond a circuit breaker: 503 with retry-after, JSON in the client API shape', { timeout: 60_000 }, async () => {
    const burst = async (path: string, backend: string, body: Record<string, unknown>): Promise<RawAnswer[]> =>
      Promise.all(Array.from({ length: PARALLEL_LIMIT * 3 }, () => request(path, backend, body, faultHeaders({ fault: 'slow', delayMs: 1500 }))));
    const [openai, anthropic] = await Promise.all([burst(CHAT_PATH, 'limited-openai', CHAT), burst(MESSAGES_PATH, 'limited-anthropic', MESSAGE)]);
    for (const [answers, errorOf] of [[openai, openAIError], [anthropic, anthropicError]] as const) {
      const ok = answers.filter((answer) => answer.status === 200);
      const shed = answers.filter((answer) => answer.status === 503);
      assert.ok(ok.length >= 1 && shed.length >= answers.length - PARALLEL_LIMIT - 1, `${ok.length} of ${answers.length} succeeded, ${shed.length} shed`);
      assert.equal(ok.length + shed.length, answers.length, answers.map((answer) => answer.status).join(','));
      for (const answer of shed) {
        assert.equal(answer.headers.get('retry-after'), '1');
        assert.match(String(errorOf(answer).message), /too many concurrent requests to this backend.*circuitBreaker/);
      }
    }
    const [anthropicShed] = anthropic.filter((answer) => answer.status === 503);
    assert.ok(anthropicShed);
    assert.equal(anthropicError(anthropicShed).type, 'service_unavailable_error');
  });
});

describe('replies the gateway makes itself are JSON', () => {
  test('90 request headers are fine; 190 (past the limit once the gateway adds its own) is a 431 saying so', async () => {
    const many = (count: number): Record<string, string> => Object.fromEntries(Array.from({ length: count }, (_, i) => [`x-client-header-${i}`, 'v']));
    const ninety = await request(CHAT_PATH, 'openai', CHAT, many(90));
    assert.equal(ninety.status, 200, ninety.text);
    const tooMany = await request(CHAT_PATH, 'openai', CHAT, many(190));
    assert.equal(tooMany.status, 431, tooMany.text);
    assert.match(String(openAIError(tooMany).message), /exceed its limit of at most 200 headers/);
    const tooManyAnthropic = await request(MESSAGES_PATH, 'anthropic', MESSAGE, many(190));
    assert.equal(tooManyAnthropic.status, 431, tooManyAnthropic.text);
    assert.match(String(anthropicError(tooManyAnthropic).message), /exceed its limit/);
  });

  test('a stalled ext_proc is a 504 naming it, in each client API shape; then the gateway recovers', { skip: linuxOnly, timeout: 60_000 }, async () => {
    const { extProc } = await gatewayPids(aigw.pid);
    process.kill(extProc, 'SIGSTOP');
    let answers: RawAnswer[];
    try {
      answers = await Promise.all([request(CHAT_PATH, 'openai', CHAT, {}), request(MESSAGES_PATH, 'anthropic', MESSAGE, {})]);
    } finally {
      process.kill(extProc, 'SIGCONT');
    }
    const [openai, anthropic] = answers;
    assert.ok(openai && anthropic);
    assert.equal(openai.status, 504, openai.text);
    assert.match(String(openAIError(openai).message), /request processor \(ext_proc\) did not answer within 10s/);
    assert.equal(anthropic.status, 504, anthropic.text);
    assert.equal(anthropicError(anthropic).type, 'timeout_error');
    const after = await post(port, CHAT_PATH, 'openai', CHAT);
    assert.equal(after.status, 200, after.text);
  });
});
