import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { BackendConfig, FilterConfig, RuleConfig } from '../../contract/filter-config.js';
import { countBodyPasses, type BodyPasses } from '../../test/support/body-pass-counter.js';
import { headersMessage, TEST_LISTENER, testFilterConfig, testRuntime } from '../../test/support/test-runtime.js';
import { RouterProcessor } from './router-processor.js';
import { UpstreamProcessor } from './upstream-processor.js';

/**
 * How many times each kind of request walks its whole body (see countBodyPasses), from the
 * router's first look at it to the bytes handed back to Envoy. A regression guard for the
 * one-pass body editor: a change that adds a pass over the body shows up here.
 */

/** A prompt large enough that only whole-body work crosses the counter's threshold. */
const PROMPT = 'lorem ipsum dolor sit amet, "quoted" \\ and ünïcödé ✓ '.repeat(1200);

function backend(name: string, schema: BackendConfig['schema'], extra: Partial<BackendConfig> = {}): BackendConfig {
  return { name, route: 'default/r', aiServiceBackend: `default/${name}`, schema, ...extra };
}

function rule(model: string, backends: string[], mode: RuleConfig['mode'] = 'router'): RuleConfig {
  return {
    name: `default/r/rule/${model}`,
    route: 'default/r',
    listeners: [TEST_LISTENER],
    hostnames: [],
    headers: [{ name: 'x-ai-eg-model', type: 'Exact', value: model }],
    backends: backends.map((name, priority) => ({ name, weight: 1, priority })),
    mode,
  };
}

function config(): FilterConfig {
  const base = testFilterConfig();
  return {
    ...base,
    rules: [
      rule('plain', ['openai']),
      rule('alias', ['override']),
      rule('mutated', ['mutation']),
      rule('claude', ['anthropic']),
      rule('claude-aws', ['aws-anthropic']),
      rule('claude-gcp', ['gcp-anthropic']),
      rule('bedrock', ['bedrock']),
      rule('fallback', ['openai', 'override'], 'upstream'),
    ],
    backends: [
      backend('openai', { name: 'OpenAI', prefix: 'v1' }),
      backend('override', { name: 'OpenAI', prefix: 'v1' }, { modelNameOverride: 'real-model' }),
      backend('mutation', { name: 'OpenAI', prefix: 'v1' }, { bodyMutation: { set: [{ path: 'service_tier', value: 'flex' }], remove: ['user'] } }),
      backend('anthropic', { name: 'Anthropic' }, { modelNameOverride: 'claude-opus-4-1' }),
      backend('aws-anthropic', { name: 'AWSAnthropic' }),
      backend('gcp-anthropic', { name: 'GCPAnthropic', version: 'vertex-2023-10-16' }),
      backend('bedrock', { name: 'AWSBedrock' }),
    ],
  };
}

function chatBody(model: string, extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(JSON.stringify({ model, messages: [{ role: 'user', content: PROMPT }], user: 'u1', ...extra }));
}

function messagesBody(model: string): Buffer {
  return Buffer.from(JSON.stringify({ model, max_tokens: 16, stream: true, messages: [{ role: 'user', content: PROMPT }] }));
}

/** The router filter's whole request phase in router mode. */
async function routed(path: string, body: Buffer, headers: Record<string, string> = {}): Promise<BodyPasses> {
  const runtime = testRuntime(config());
  const { result, passes } = await countBodyPasses(body.length, async () => {
    const router = new RouterProcessor(runtime);
    router.requestHeaders(headersMessage({ ':path': path, ...headers }));
    return router.requestBody({ body, end_of_stream: true });
  });
  assert.equal(result.immediate_response, undefined, JSON.stringify(result.immediate_response?.body?.toString()));
  return passes;
}

/**
 * Per request: the UTF-8 check, the decode to a string and JSON.parse (plus the router's I-JSON
 * scan, a JS loop the counter cannot see, which also indexes the top-level members), then one
 * splice of all the edits (`concat`), or the encoding of a translated body. Before the body
 * editor each edit cost a decode, a scan and an encode of its own.
 */
const EXPECTED: Record<string, { path: string; body: Buffer; headers?: Record<string, string>; passes: BodyPasses }> = {
  'OpenAI chat pass-through, no edit': { path: '/v1/chat/completions', body: chatBody('plain'), passes: { 'utf8-check': 1, decode: 1, 'JSON.parse': 1 } },
  'OpenAI chat, model override': { path: '/v1/chat/completions', body: chatBody('alias'), passes: { 'utf8-check': 1, decode: 1, 'JSON.parse': 1, concat: 1 } },
  'OpenAI chat, stream: true (stream_options.include_usage added)': { path: '/v1/chat/completions', body: chatBody('plain', { stream: true }), passes: { 'utf8-check': 1, decode: 1, 'JSON.parse': 1, concat: 1 } },
  'OpenAI chat, stream: true and model override': { path: '/v1/chat/completions', body: chatBody('alias', { stream: true }), passes: { 'utf8-check': 1, decode: 1, 'JSON.parse': 1, concat: 1 } },
  'OpenAI chat, bodyMutation (one set, one remove)': { path: '/v1/chat/completions', body: chatBody('mutated'), passes: { 'utf8-check': 1, decode: 1, 'JSON.parse': 1, concat: 1 } },
  'Anthropic messages to Anthropic (model override)': { path: '/anthropic/v1/messages', body: messagesBody('claude'), passes: { 'utf8-check': 1, decode: 1, 'JSON.parse': 1, concat: 1 } },
  'Anthropic messages to AWSAnthropic': { path: '/anthropic/v1/messages', body: messagesBody('claude-aws'), headers: { 'anthropic-beta': 'context-1m-2025-08-07' }, passes: { 'utf8-check': 1, decode: 1, 'JSON.parse': 1, concat: 1 } },
  'Anthropic messages to GCPAnthropic': { path: '/anthropic/v1/messages', body: messagesBody('claude-gcp'), passes: { 'utf8-check': 1, decode: 1, 'JSON.parse': 1, concat: 1 } },
  'OpenAI chat to AWSBedrock (full translation)': { path: '/v1/chat/completions', body: chatBody('bedrock'), passes: { 'utf8-check': 1, decode: 1, 'JSON.parse': 1, encode: 1 } },
};

for (const [name, scenario] of Object.entries(EXPECTED)) {
  test(`body passes: ${name}`, async () => {
    assert.deepEqual(await routed(scenario.path, scenario.body, scenario.headers), scenario.passes);
  });
}

test('body passes: fallback (router, then two attempts, the second with a model override)', async () => {
  const runtime = testRuntime(config());
  const body = chatBody('fallback', { stream: true });
  const processor = new RouterProcessor(runtime);
  const router = await countBodyPasses(body.length, async () => {
    processor.requestHeaders(headersMessage({ ':path': '/v1/chat/completions' }));
    return processor.requestBody({ body, end_of_stream: true });
  });
  assert.equal(router.result.immediate_response, undefined);
  assert.deepEqual(router.passes, { 'utf8-check': 1, decode: 1, 'JSON.parse': 1 });
  const attempts: BodyPasses[] = [];
  for (const backendName of ['openai', 'override']) {
    const { passes } = await countBodyPasses(body.length, async () => {
      const upstream = new UpstreamProcessor(runtime, backendName);
      await upstream.requestHeaders(headersMessage({ ':path': '/v1/chat/completions', 'x-ai-eg-model': 'fallback', 'x-ai-eg-original-path': '/v1/chat/completions', 'x-ai-eg-route': 'default/r/rule/fallback' }));
      return upstream.requestBody({ body, end_of_stream: true });
    });
    attempts.push(passes);
  }
  // Each attempt compares its bytes with the router's and reuses its parse, then splices its edits.
  assert.deepEqual(attempts, [
    { compare: 1, concat: 1 },
    { compare: 1, concat: 1 },
  ]);
  processor.close();
  const third = await countBodyPasses(body.length, async () => {
    const upstream = new UpstreamProcessor(runtime, 'openai');
    await upstream.requestHeaders(headersMessage({ ':path': '/v1/chat/completions', 'x-ai-eg-model': 'fallback', 'x-ai-eg-original-path': '/v1/chat/completions' }));
    return upstream.requestBody({ body, end_of_stream: true });
  });
  assert.deepEqual(third.passes, { 'utf8-check': 1, decode: 1, 'JSON.parse': 1, concat: 1 }, 'once the router stream ended, an attempt parses the body itself');
});
