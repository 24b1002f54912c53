/**
 * Upstream's examples/token_ratelimit, run by `aigw run` with nothing changed but where its test
 * upstream is (a Kubernetes Service there, a local fake here) and the listener port: token budgets
 * per `x-tenant-id` (input 10, output 100, total 1000, cached input 100, a CEL cost 1000 per hour),
 * checked before each request (cost 0) and charged when its response ends. Tenant A spends its
 * input budget and is refused with a 429 in the client's API shape and `x-ratelimit-*` headers;
 * tenant B, on its own budget, is not; a stream is charged when it ends and never cut.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';
import { postChat, type ChatResult } from '../support/rate-limit-yaml.js';
import { upstreamPath } from '../support/upstream-fixtures.js';

const MODEL = 'rate-limit-funky-model';
const EXAMPLE = upstreamPath('examples', 'token_ratelimit', 'token_ratelimit.yaml');
const REDIS_EXAMPLE = upstreamPath('examples', 'token_ratelimit', 'redis.yaml');

let upstream: FakeOpenAI;
let aigw: AigwProcess;

/** The example as published, with its test upstream replaced by the fake; `port` replaces its port 80. */
async function exampleYaml(): Promise<(port: number) => string> {
  const example = await readFile(EXAMPLE, 'utf8');
  const fqdn = /- fqdn:\n( +)hostname: envoy-ai-gateway-token-ratelimit-tesetupstream\.default\.svc\.cluster\.local\n +port: 80\n/;
  assert.match(example, fqdn, 'the example still points at its test upstream Service');
  const local = example.replace(fqdn, (_, indent: string) => `- ip:\n${indent}address: 127.0.0.1\n${indent}port: ${upstream.port}\n`);
  assert.match(local, / +port: 80\n/, 'the Gateway listener port');
  // Its Redis (a Namespace, a Deployment and a Service) rides along: aigw skips those kinds with a warning.
  const redis = await readFile(REDIS_EXAMPLE, 'utf8');
  return (port) => `${redis}\n---\n${local.replace(/( +)port: 80\n/, `$1port: ${port}\n`)}`;
}

function client(tenant: string): OpenAI {
  return new OpenAI({ baseURL: `http://127.0.0.1:${aigw.port}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 15_000, defaultHeaders: { 'x-tenant-id': tenant } });
}

function chat(tenant: string): Promise<ChatResult> {
  return postChat(aigw.port, MODEL, { 'x-tenant-id': tenant });
}

before(async () => {
  upstream = await startFakeOpenAI({ usage: { promptTokens: 11, completionTokens: 7 } });
  aigw = await startAigw({ configYaml: await exampleYaml(), captureStdout: false });
  assert.match(aigw.stderr, /Deployment/, `the example's Redis Deployment is skipped with a warning:\n${aigw.stderr}`);
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
});

test('token_ratelimit example: tenant A spends its input budget and gets a 429 in OpenAI shape with x-ratelimit headers; tenant B is not limited', { timeout: 120_000 }, async () => {
  // Input budget 10 per hour: the first request is checked against 0 spent and charged 11.
  const first = await chat('tenant-a');
  assert.equal(first.status, 200, first.body);
  assert.equal(first.headers.get('x-ratelimit-limit')?.split(',')[0]?.trim(), '10', `the tightest budget is announced: ${JSON.stringify(Object.fromEntries(first.headers))}`);
  const refused = await chat('tenant-a');
  assert.equal(refused.status, 429, refused.body);
  assert.equal(refused.headers.get('content-type'), 'application/json');
  const error: unknown = JSON.parse(refused.body);
  assert.deepEqual(Object.keys(error as object), ['error']);
  assert.match(refused.body, /rate limit/i);
  assert.equal(refused.headers.get('x-ratelimit-remaining'), '0');
  assert.ok(Number(refused.headers.get('x-ratelimit-reset')) > 0, 'seconds until the window resets');
  assert.equal(upstream.requests.length, 1, 'the refused request never reached the provider');

  // The SDK sees a RateLimitError; tenant B has its own budget.
  await assert.rejects(client('tenant-a').chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => e instanceof OpenAI.RateLimitError && e.status === 429);
  const other = await client('tenant-b').chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });
  assert.equal(other.usage?.prompt_tokens, 11);
});

test('token_ratelimit example: the CEL cost budget (1e8 when input_tokens == 3) refuses the next request although the input budget is not spent', { timeout: 60_000 }, async () => {
  upstream.configure({ usage: { promptTokens: 3, completionTokens: 2 } });
  try {
    assert.equal((await chat('tenant-cel')).status, 200);
    const refused = await chat('tenant-cel');
    assert.equal(refused.status, 429, refused.body);
  } finally {
    upstream.configure({ usage: { promptTokens: 11, completionTokens: 7 } });
  }
});

test('token_ratelimit example: a stream is charged when it ends and is never cut; the next request is refused', { timeout: 60_000 }, async () => {
  upstream.configure({ streamIntervalMs: 20 });
  try {
    const stream = await client('tenant-stream').chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } });
    let usage: number | undefined;
    for await (const chunk of stream) usage = chunk.usage?.prompt_tokens ?? usage;
    assert.equal(usage, 11, 'the whole stream arrived, usage included');
    const refused = await chat('tenant-stream');
    assert.equal(refused.status, 429, refused.body);
  } finally {
    upstream.configure({ streamIntervalMs: 0 });
  }
});

test('token_ratelimit example: an Anthropic client over /v1/messages gets its own error shape for the 429', { timeout: 60_000 }, async () => {
  const anthropic = new Anthropic({ baseURL: `http://127.0.0.1:${aigw.port}/anthropic`, apiKey: 'unused', maxRetries: 0, timeout: 15_000, defaultHeaders: { 'x-tenant-id': 'tenant-a' } });
  await assert.rejects(anthropic.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }), (e: unknown) => {
    assert.ok(e instanceof Anthropic.RateLimitError, String(e));
    assert.equal(e.status, 429);
    assert.match(JSON.stringify(e.error), /"type":"error".*"rate_limit_error"/);
    return true;
  });
});

test('token_ratelimit example with nothing changed but the listener port: it starts, each request is checked (x-ratelimit headers), and the unresolvable test upstream is a 503 naming it', { timeout: 90_000 }, async () => {
  const [example, redis] = await Promise.all([readFile(EXAMPLE, 'utf8'), readFile(REDIS_EXAMPLE, 'utf8')]);
  const unchanged = await startAigw({ configYaml: (port) => `${redis}\n---\n${example.replace(/( +)port: 80\n/, `$1port: ${port}\n`)}`, captureStdout: false });
  try {
    const response = await fetch(`http://127.0.0.1:${unchanged.port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-tenant-id': 'tenant-a' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }),
      signal: AbortSignal.timeout(15_000),
    });
    const body = await response.text();
    assert.equal(response.status, 503, body);
    assert.match(body, /envoy-ai-gateway-token-ratelimit-testupstream/);
    assert.match(response.headers.get('x-ratelimit-limit') ?? '', /^10, 10;w=3600/, 'the request was checked against the budgets first');
  } finally {
    await unchanged.stop();
  }
});
