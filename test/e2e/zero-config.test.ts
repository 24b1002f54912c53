/**
 * Zero-config `aigw run`: the configuration comes from the OpenAI SDK variables (or the built-in
 * default), `--show-default` prints it without secrets, and bad variables fail as upstream does.
 */
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import OpenAI from 'openai';
import { freePort, gatewayConfigYaml, startAigw } from '../support/aigw-process.js';
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

test('--show-default prints the generated configuration with placeholders, never the key', async () => {
  const shown = await runCli(['run', '--show-default'], { env: { ...CLEAN_ENV, OPENAI_API_KEY: 'sk-secret-value' } });
  assert.equal(shown.code, 0);
  assert.match(shown.stdout, /apiKey: \$\{OPENAI_API_KEY\}/);
  assert.doesNotMatch(shown.stdout, /sk-secret-value/);
  assert.match(shown.stdout, /hostname: api\.openai\.com/);
  // The output is valid input for `aigw validate` (and so for `aigw run FILE`).
  const validated = await runCli(['validate', '-'], { input: shown.stdout, env: { OPENAI_API_KEY: 'sk-secret-value' } });
  assert.equal(validated.code, 0, validated.stdout);
});

test('with no provider variable, the built-in default has Ollama and says which backends it left out', async () => {
  const shown = await runCli(['run', '--show-default'], { env: CLEAN_ENV });
  assert.equal(shown.code, 0);
  assert.match(shown.stdout, /aigw-backend-selector/);
  assert.match(shown.stdout, /port: 11434/);
  assert.match(shown.stderr, /OPENAI_API_KEY/);
  assert.match(shown.stderr, /TARS_API_KEY/);
});

test('<config-home>/config.yaml is used when no path is given', async () => {
  const home = await mkdtemp(join(tmpdir(), 'aigw-home-'));
  await mkdir(home, { recursive: true });
  const yaml = gatewayConfigYaml({ port: await freePort(), upstreamPort: 9, models: ['from-config-home'] });
  await writeFile(join(home, 'config.yaml'), yaml);
  const shown = await runCli(['run', '--show-default', '--config-home', home], { env: CLEAN_ENV });
  assert.equal(shown.code, 0);
  assert.equal(shown.stdout, yaml);
});

test('configuration errors of the environment and the MCP flags', async () => {
  const azure = await runCli(['run', '--show-default'], { env: { ...CLEAN_ENV, AZURE_OPENAI_API_KEY: 'k' } });
  assert.equal(azure.code, 1);
  assert.match(azure.stderr, /AZURE_OPENAI_ENDPOINT environment variable is required when AZURE_OPENAI_API_KEY is set/);
  const badUrl = await runCli(['run', '--show-default'], { env: { ...CLEAN_ENV, OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'ftp://example.com/v1' } });
  assert.equal(badUrl.code, 1);
  assert.match(badUrl.stderr, /invalid base URL: unsupported scheme "ftp"/);
  const both = await runCli(['run', '--mcp-config', 'x.json', '--mcp-json', '{}'], { env: CLEAN_ENV });
  assert.equal(both.code, 80);
  assert.match(both.stderr, /mcp-config and mcp-json are mutually exclusive/);
  const badJson = await runCli(['run', '--mcp-json', '{"mcpServers":'], { env: CLEAN_ENV });
  assert.equal(badJson.code, 80);
  assert.match(badJson.stderr, /failed to unmarshal MCP config/);
});
