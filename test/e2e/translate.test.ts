/**
 * `aigw translate`: deterministic output, credentials redacted unless asked for, and Envoy
 * itself (`envoy --mode validate`) accepts every translation.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { resolveDirs } from '../../bin/aigw-dirs.js';
import { ENVOY_VERSION } from '../../envoy/envoy-version.js';
import { obtainEnvoy } from '../../envoy/obtain-envoy.js';
import { isRecord } from '../../extproc/json-guards.js';
import { AIGW_BIN, gatewayConfigYaml } from '../support/aigw-process.js';

const run = promisify(execFile);
const EXAMPLE = new URL('../../../examples/openai-compatible.yaml', import.meta.url).pathname;
const UPSTREAM_OLLAMA = new URL('../../../../shared/fixtures/upstream/examples/aigw/ollama.yaml', import.meta.url).pathname;

async function translate(file: string, ...flags: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [AIGW_BIN, 'translate', file, ...flags], { env: { ...process.env, OPENAI_API_KEY: 'sk-translate-secret' } });
  return stdout;
}

async function testConfigFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-translate-'));
  const file = join(dir, 'gw.yaml');
  await writeFile(file, gatewayConfigYaml({ port: 1975, upstreamPort: 8080, apiKey: 'sk-translate-secret', models: ['a', 'b'] }));
  return file;
}

test('the same input prints the same bytes, credentials redacted', async () => {
  const file = await testConfigFile();
  const first = await translate(file);
  assert.equal(await translate(file), first);
  assert.doesNotMatch(first, /sk-translate-secret/);
  assert.match(first, /key: <redacted>/);
  assert.match(first, /^# Envoy bootstrap/);
  assert.match(await translate(file, '--show-secrets'), /key: sk-translate-secret/);
});

test('--output json has the bootstrap and the ext_proc config', async () => {
  const parsed: unknown = JSON.parse(await translate(await testConfigFile(), '--output', 'json'));
  assert.ok(isRecord(parsed) && isRecord(parsed.envoy) && isRecord(parsed.extproc));
  assert.equal(parsed.extproc.version, 'aigw.filter-config/v1');
  assert.ok(isRecord(parsed.envoy.static_resources));
});

test('Envoy accepts the translation of every example and test config', async () => {
  const dirs = resolveDirs({}, process.env);
  const envoy = await obtainEnvoy({ explicitPath: process.env.AIGW_ENVOY_PATH ?? '', dataHome: dirs.dataHome, version: ENVOY_VERSION, log: () => undefined });
  const files = [await testConfigFile(), EXAMPLE, ...(existsSync(UPSTREAM_OLLAMA) ? [UPSTREAM_OLLAMA] : [])];
  const dir = await mkdtemp(join(tmpdir(), 'aigw-validate-'));
  for (const [index, file] of files.entries()) {
    const parsed: unknown = JSON.parse(await translate(file, '--output', 'json'));
    assert.ok(isRecord(parsed));
    const bootstrap = join(dir, `envoy-${index}.json`);
    await writeFile(bootstrap, JSON.stringify(parsed.envoy));
    const { stdout } = await run(envoy.path, ['--mode', 'validate', '-c', bootstrap, '--disable-hot-restart', '-l', 'error']);
    assert.match(stdout, /OK/, `envoy --mode validate ${file}`);
  }
});
