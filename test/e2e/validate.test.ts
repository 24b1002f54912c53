/**
 * `aigw validate`: the API server's verdicts on upstream's calibration cases, every upstream
 * example, and the command's contract (exit codes, --strict, --output json, stdin).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { isRecord } from '../../extproc/json-guards.js';
import { gatewayConfigYaml } from '../support/aigw-process.js';
import { runCli, type CliResult } from '../support/run-cli.js';

const FIXTURES = new URL('../../../../shared/fixtures/upstream/', import.meta.url).pathname;
const CRDCEL = join(FIXTURES, 'crdcel');
const EXAMPLES = join(FIXTURES, 'examples');

function validate(args: string[], input?: string): Promise<CliResult> {
  return runCli(['validate', ...args], input === undefined ? {} : { input });
}

/** The cases of crdcel/EXPECTED.md: | file | accept/reject | `message` | */
function expectedCases(): { file: string; accept: boolean; message: string }[] {
  const text = readFileSync(join(CRDCEL, 'EXPECTED.md'), 'utf8');
  return [...text.matchAll(/^\| ([\w/.-]+\.yaml) \| (accept|reject) \|\s*`?([^`|]*?)`?\s*\|$/gm)].map((match) => ({
    file: match[1] ?? '',
    accept: match[2] === 'accept',
    message: (match[3] ?? '').trim(),
  }));
}

test('crdcel calibration: every case gets the API server verdict and message', { skip: existsSync(CRDCEL) ? false : 'no ../shared fixtures' }, async () => {
  const cases = expectedCases();
  assert.ok(cases.length >= 10);
  for (const expected of cases) {
    const result = await validate([join(CRDCEL, expected.file)]);
    assert.equal(result.code, expected.accept ? 0 : 1, `${expected.file}:\n${result.stdout}`);
    if (!expected.accept) assert.ok(result.stdout.includes(expected.message), `${expected.file} should say ${expected.message}:\n${result.stdout}`);
  }
});

test('upstream examples: every Kubernetes manifest validates', { skip: existsSync(EXAMPLES) ? false : 'no ../shared fixtures' }, async () => {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.yaml')) files.push(path);
    }
  };
  walk(EXAMPLES);
  // Not Kubernetes objects at all (a Goose recipe, Helm values); the API server rejects them too.
  const notManifests = ['goose/kiwi_recipe.yaml', 'inference-pool/envoy-gateway-values-addon.yaml', 'token_ratelimit/envoy-gateway-values-addon.yaml'];
  for (const file of files) {
    let result = await validate([file]);
    if (result.code !== 0) {
      // Examples split a scenario across files (base.yaml + backends.yaml, basic.yaml + a
      // provider): validate the file with its directory's base files, as they are applied together.
      const dir = dirname(file);
      const companions = readdirSync(dir)
        .filter((name) => /^(base|basic|backends)\.yaml$/.test(name))
        .map((name) => join(dir, name))
        .filter((path) => path !== file);
      if (companions.length > 0) result = await validate([...companions, file]);
    }
    const expectedCode = notManifests.some((suffix) => file.endsWith(suffix)) ? 1 : 0;
    assert.equal(result.code, expectedCode, `${file}:\n${result.stdout}`);
  }
  assert.ok(files.length >= 30);
});

test('every problem is reported with file:line:col; --output json; --strict; stdin; usage errors', async () => {
  const broken = gatewayConfigYaml({ port: 1975, upstreamPort: 8080 })
    .replace('    name: OpenAI\n', '    name: OpenAl\n')
    .replace('      backendRefs:\n        - name: openai\n', '      backendRefs:\n        - name: missing\n');
  const text = await validate(['-'], broken);
  assert.equal(text.code, 1);
  assert.match(text.stdout, /^<stdin>:\d+:\d+: error: AIServiceBackend\.aigateway\.envoyproxy\.io "openai" is invalid: spec\.schema\.name: Unsupported value: "OpenAl"/m);
  assert.match(text.stdout, /invalid: \d+ resource\(s\) in 1 file\(s\)/);

  const json = await validate(['--output', 'json', '-'], broken);
  const parsed: unknown = JSON.parse(json.stdout);
  assert.ok(isRecord(parsed) && Array.isArray(parsed.diagnostics));
  assert.equal(parsed.valid, false);

  const unsupported = gatewayConfigYaml({ port: 1975, upstreamPort: 8080 }).replace(
    '      backendRefs:\n        - name: openai\n',
    '      backendRefs:\n        - name: pool\n          group: inference.networking.k8s.io\n          kind: InferencePool\n',
  );
  const lenient = await validate(['-'], unsupported);
  assert.equal(lenient.code, 0, lenient.stdout);
  assert.match(lenient.stdout, /warning: .*InferencePool backends are not supported by aigw run/);
  assert.equal((await validate(['--strict', '-'], unsupported)).code, 1);

  assert.equal((await validate(['-'], gatewayConfigYaml({ port: 1975, upstreamPort: 8080 }))).code, 0);
  const usage = await validate(['--bogus']);
  assert.equal(usage.code, 80);
  assert.equal((await validate([])).code, 80);
});
