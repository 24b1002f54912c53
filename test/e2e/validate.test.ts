/**
 * `aigw validate`: the API server's verdicts on upstream's calibration cases, every upstream
 * example, and the command's contract (exit codes, --strict, --output json, stdin). The corpora go
 * through the command function in-process (one CLI start per file was most of this file's time);
 * the contract test keeps real CLI runs for argv parsing, stdin and the usage exit code.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { isRecord } from '../../common/json-guards.js';
import { gatewayConfigYaml } from '../support/aigw-process.js';
import { validateInProcess } from '../support/in-process-cli.js';
import { runCli, type CliResult } from '../support/run-cli.js';
import { missingFixtures, upstreamPath } from '../support/upstream-fixtures.js';

const CRDCEL = upstreamPath('crdcel');
const EXAMPLES = upstreamPath('examples');

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

test('crdcel calibration: every case gets the API server verdict and message', { skip: missingFixtures(join(CRDCEL, 'EXPECTED.md')) }, async () => {
  const cases = expectedCases();
  assert.ok(cases.length >= 10);
  for (const expected of cases) {
    const result = await validateInProcess([join(CRDCEL, expected.file)]);
    assert.equal(result.code, expected.accept ? 0 : 1, `${expected.file}:\n${result.stdout}`);
    if (!expected.accept) assert.ok(result.stdout.includes(expected.message), `${expected.file} should say ${expected.message}:\n${result.stdout}`);
  }
});

test('upstream examples: every Kubernetes manifest validates', { skip: missingFixtures(EXAMPLES) }, async () => {
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
    let result = await validateInProcess([file]);
    if (result.code !== 0) {
      // Examples split a scenario across files (base.yaml + backends.yaml, basic.yaml + a
      // provider): validate the file with its directory's base files, as they are applied together.
      const dir = dirname(file);
      const companions = readdirSync(dir)
        .filter((name) => /^(base|basic|backends)\.yaml$/.test(name))
        .map((name) => join(dir, name))
        .filter((path) => path !== file);
      if (companions.length > 0) result = await validateInProcess([...companions, file]);
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

  const json = await validateInProcess(['-'], { output: 'json', input: broken });
  const parsed: unknown = JSON.parse(json.stdout);
  assert.ok(isRecord(parsed) && Array.isArray(parsed.diagnostics));
  assert.equal(parsed.valid, false);

  const unsupported = gatewayConfigYaml({ port: 1975, upstreamPort: 8080 }).replace(
    '      backendRefs:\n        - name: openai\n',
    '      backendRefs:\n        - name: pool\n          group: inference.networking.k8s.io\n          kind: InferencePool\n',
  );
  const lenient = await validateInProcess(['-'], { input: unsupported });
  assert.equal(lenient.code, 0, lenient.stdout);
  assert.match(lenient.stdout, /warning: .*InferencePool backends are not supported by aigw run/);
  assert.equal((await validate(['--strict', '-'], unsupported)).code, 1);

  assert.equal((await validateInProcess(['-'], { input: gatewayConfigYaml({ port: 1975, upstreamPort: 8080 }) })).code, 0);
  const usage = await validate(['--bogus']);
  assert.equal(usage.code, 80);
  assert.equal((await validate([])).code, 80);
});

test('an unknown field is an error for validate and translate alike, with file:line:col and a "did you mean"', async () => {
  const file = join(await mkdtemp(join(tmpdir(), 'aigw-validate-')), 'typo.yaml');
  await writeFile(file, gatewayConfigYaml({ port: 1975, upstreamPort: 8080 }).replace('      backendRefs:\n', '      backendRef:\n'));
  const line = new RegExp(`^${file.replace(/[/.]/g, '\\$&')}:\\d+:7: error: AIGatewayRoute "[^"]+": spec\\.rules\\[0\\]\\.backendRef: unknown field "backendRef" \\(hint: did you mean "backendRefs"\\?\\)$`, 'm');
  const checked = await validate([file]);
  assert.equal(checked.code, 1, checked.stdout);
  assert.match(checked.stdout, line);
  assert.match(checked.stdout, / 1 error\(s\), 0 warning\(s\)/);
  const translated = await runCli(['translate', file]);
  assert.equal(translated.code, 1, translated.stderr);
  assert.match(translated.stderr, line);
});
