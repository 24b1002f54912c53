/**
 * Zero-config `aigw run`: the configuration comes from the OpenAI SDK variables (or the built-in
 * default), `--show-default` prints it without secrets, and bad variables fail as upstream does.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import OpenAI from 'openai';
import { startAigw } from '../support/aigw-process.js';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';
import { runCli } from '../support/run-cli.js';
import { startOtlpReceiver } from '../support/otlp-receiver.js';

/** The generated configuration listens on 1975, as upstream's; skip when something else holds it. */
async function port1975Free(): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(1975, '0.0.0.0', () => server.close(() => resolve(true)));
  });
}

const CLEAN_ENV = { OPENAI_API_KEY: '', OPENAI_BASE_URL: '', AZURE_OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', TARS_API_KEY: '', AIGW_CONFIG_HOME: '/nonexistent-aigw-config' };

test('OPENAI_API_KEY + OPENAI_BASE_URL alone give a working gateway on :1975', async (t) => {
  if (!(await port1975Free())) return t.skip('port 1975 is in use');
  const upstream = await startFakeOpenAI();
  const aigw = await startAigw({
    configYaml: '',
    extraArgs: [],
    omitConfigPath: true,
    env: { ...CLEAN_ENV, OPENAI_API_KEY: 'sk-zero-config', OPENAI_BASE_URL: `http://127.0.0.1:${upstream.port}/v1` },
  });
  try {
    const client = new OpenAI({ baseURL: 'http://localhost:1975/v1', apiKey: 'unused', maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'any-model', messages: [{ role: 'user', content: 'hi' }] });
    assert.ok(completion.choices.length > 0);
    assert.equal(upstream.requests[0]?.header('authorization'), 'Bearer sk-zero-config');
    assert.doesNotMatch(aigw.stderr + aigw.stdout, /sk-zero-config/);
    // Warnings about aigw's own generated template are not the user's to act on.
    assert.doesNotMatch(aigw.stderr, /warning/);
  } finally {
    await aigw.stop();
    await upstream.close();
  }
});

test('OTEL_EXPORTER_OTLP_ENDPOINT (grpc): access logs and spans reach the collector, with tokens, model and session id', async (t) => {
  if (!(await port1975Free())) return t.skip('port 1975 is in use');
  const upstream = await startFakeOpenAI({ usage: { promptTokens: 17, completionTokens: 3 } });
  const receiver = await startOtlpReceiver();
  const aigw = await startAigw({
    configYaml: '',
    omitConfigPath: true,
    env: {
      ...CLEAN_ENV,
      OPENAI_API_KEY: 'sk-zero-config',
      OPENAI_BASE_URL: `http://127.0.0.1:${upstream.port}/v1`,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.grpcUrl,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      OTEL_SERVICE_NAME: 'aigw-zero',
      OTEL_BSP_SCHEDULE_DELAY: '50',
    },
  });
  try {
    const client = new OpenAI({ baseURL: 'http://localhost:1975/v1', apiKey: 'unused', maxRetries: 0 });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await client.chat.completions.create(
      { model: 'otel-model', messages: [{ role: 'user', content: 'hi' }] },
      { headers: { 'agent-session-id': 'sess-7', traceparent: `00-${traceId}-00f067aa0ba902b7-01` } },
    );
    const log = await receiver.waitForLog((record) => record.attributes['gen_ai.request.model'] === 'otel-model', 15_000);
    assert.equal(log.attributes['session.id'], 'sess-7');
    assert.equal(String(log.attributes['gen_ai.usage.input_tokens']), '17');
    assert.equal(String(log.attributes['gen_ai.usage.output_tokens']), '3');
    assert.match(String(log.body), /model=otel-model 200 llm_input_token=17 llm_output_token=3/);
    assert.equal(log.resource['service.name'], 'aigw-zero');
    const span = await receiver.waitForSpan((candidate) => candidate.traceId === traceId);
    assert.equal(span.name, 'ChatCompletion');
    assert.equal(span.attributes['session.id'], 'sess-7');
    assert.equal(span.resource['service.name'], 'aigw-zero');
  } finally {
    await aigw.stop();
    await upstream.close();
    await receiver.close();
  }
});

test('--show-default prints the whole built-in default with placeholders, whatever is set, never a key', async () => {
  const bare = await runCli(['run', '--show-default'], { env: CLEAN_ENV });
  assert.equal(bare.code, 0);
  const withKeys = await runCli(['run', '--show-default'], { env: { ...CLEAN_ENV, OPENAI_API_KEY: 'sk-secret-value', TARS_API_KEY: 'sk-tars-value', AWS_ACCESS_KEY_ID: 'AKIAEXAMPLE', AWS_SECRET_ACCESS_KEY: 'aws-secret-value' } });
  assert.equal(withKeys.stdout, bare.stdout, 'the same bytes whatever the environment');
  assert.doesNotMatch(withKeys.stdout, /sk-secret-value|sk-tars-value|aws-secret-value/);
  // All four backends of the built-in default, selected by header or by model.
  for (const host of ['api.openai.com', 'api.router.tetrate.ai', 'bedrock-runtime.us-east-1.amazonaws.com', 'localhost']) assert.match(bare.stdout, new RegExp(`hostname: ${host.replaceAll('.', '\\.')}`));
  assert.match(bare.stdout, /apiKey: \$\{OPENAI_API_KEY\}/);
  assert.match(bare.stdout, /apiKey: \$\{TARS_API_KEY\}/);
  for (const selector of ['openai', 'tars', 'aws', 'ollama']) assert.match(bare.stdout, new RegExp(`name: aigw-backend-selector\n {14}value: ${selector}\n`));
  for (const model of ['gpt-4o-mini', 'us.meta.llama3-2-1b-instruct-v1:0', 'mistral:latest']) assert.ok(bare.stdout.includes(`value: ${model}`), model);
  assert.equal(bare.stderr, '');
  // The output is valid input for `aigw validate` (and so for `aigw run FILE`).
  const validated = await runCli(['validate', '-'], { input: bare.stdout, env: { OPENAI_API_KEY: 'sk-secret-value', TARS_API_KEY: 't' } });
  assert.equal(validated.code, 0, validated.stdout);
  // It prints the built-in default only: a file or MCP servers are a usage error.
  assert.equal((await runCli(['run', 'x.yaml', '--show-default'], { env: CLEAN_ENV })).code, 80);
  assert.equal((await runCli(['run', '--show-default', '--mcp-json', '{}'], { env: CLEAN_ENV })).code, 80);
});

test('with no provider variable, the start-up messages say which variable adds which backend, and what OPENAI_API_KEY does instead', async () => {
  // The admin port is taken, so the run stops right after saying what it generated.
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const address = busy.address();
  assert.ok(address && typeof address === 'object');
  try {
    const run = await runCli(['run', '--admin-port', String(address.port)], { env: { ...CLEAN_ENV, AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent', AWS_ACCESS_KEY_ID: '' } });
    assert.equal(run.code, 1);
    const lines = run.stderr.split('\n');
    const note = (prefix: string): string => lines.find((line) => line.startsWith(prefix)) ?? assert.fail(`no "${prefix}" in:\n${run.stderr}`);
    assert.match(note('aigw: OpenAI backend left out: OPENAI_API_KEY is not set.'), /Setting it does not add OpenAI to this default: it replaces the whole default with a single-provider configuration/);
    assert.match(note('aigw: Tetrate Agent Router Service backend left out: TARS_API_KEY is not set.'), /Setting it adds the backend/);
    assert.match(note('aigw: AWS Bedrock (us-east-1) backend left out: no AWS credentials found.'), /AWS_ACCESS_KEY_ID with AWS_SECRET_ACCESS_KEY/);
  } finally {
    busy.close();
  }
});

test('<config-home>/config.yaml is used when no path is given', async () => {
  const home = await mkdtemp(join(tmpdir(), 'aigw-home-'));
  await writeFile(join(home, 'config.yaml'), 'kind: [unclosed\n');
  const run = await runCli(['run', '--config-home', home], { env: CLEAN_ENV });
  assert.equal(run.code, 1);
  assert.ok(run.stderr.includes(join(home, 'config.yaml')), run.stderr);
});

test('configuration errors of the environment and the MCP flags', async () => {
  const azure = await runCli(['run'], { env: { ...CLEAN_ENV, AZURE_OPENAI_API_KEY: 'k' } });
  assert.equal(azure.code, 1);
  assert.match(azure.stderr, /AZURE_OPENAI_ENDPOINT environment variable is required when AZURE_OPENAI_API_KEY is set/);
  const badUrl = await runCli(['run'], { env: { ...CLEAN_ENV, OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'ftp://example.com/v1' } });
  assert.equal(badUrl.code, 1);
  assert.match(badUrl.stderr, /invalid base URL: unsupported scheme "ftp"/);
  const both = await runCli(['run', '--mcp-config', 'x.json', '--mcp-json', '{}'], { env: CLEAN_ENV });
  assert.equal(both.code, 80);
  assert.match(both.stderr, /mcp-config and mcp-json are mutually exclusive/);
  const badJson = await runCli(['run', '--mcp-json', '{"mcpServers":'], { env: CLEAN_ENV });
  assert.equal(badJson.code, 80);
  assert.match(badJson.stderr, /failed to unmarshal MCP config/);
});
