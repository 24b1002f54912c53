/**
 * Golden tests: each `cases/<name>.in.yaml` compiles to exactly `cases/<name>.out.yaml` (what
 * `aigw translate` prints), and Envoy accepts the bootstrap. Regenerate after an intended change
 * with `AIGW_UPDATE_GOLDEN=1 npm test` and review the diff.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { resolveDirs } from '../../bin/gateway/aigw-dirs.js';
import { renderTranslation, TRANSLATE_SOCKET_PATH } from '../../bin/commands/translate-config.js';
import { compileSources } from '../../compiler/compile-config.js';
import { ENVOY_VERSION } from '../../envoy/envoy-version.js';
import { obtainEnvoy } from '../../envoy/obtain-envoy.js';

const CASES = fileURLToPath(new URL('../../../test/golden/cases/', import.meta.url));
const CA_FILE = '/etc/ssl/certs/ca-certificates.crt';
const run = promisify(execFile);
const UPDATE = process.env.AIGW_UPDATE_GOLDEN === '1';

for (const name of readdirSync(CASES).filter((file) => file.endsWith('.in.yaml')).sort()) {
  test(`golden: ${name}`, async () => {
    const compiled = compileSources([{ file: name, text: readFileSync(join(CASES, name), 'utf8') }], {
      env: {},
      extProcSocketPath: TRANSLATE_SOCKET_PATH,
      systemCaFile: CA_FILE,
    });
    const output = renderTranslation(compiled, { output: 'yaml', showSecrets: false });
    const expectedPath = join(CASES, name.replace(/\.in\.yaml$/, '.out.yaml'));
    // Only an explicit request rewrites a golden: a test run that created a missing one would pass
    // on whatever the code prints today, and a CI checkout must never change files under test/.
    if (UPDATE) writeFileSync(expectedPath, output);
    else if (!existsSync(expectedPath)) assert.fail(`${name} has no golden output ${expectedPath}: create it with \`AIGW_UPDATE_GOLDEN=1 npm test\`, then review and commit it`);
    assert.equal(output, readFileSync(expectedPath, 'utf8'), `${name} differs from its golden output (AIGW_UPDATE_GOLDEN=1 npm test regenerates it; review the diff)`);
    assert.doesNotMatch(output, /sk-golden-secret|AKIAGOLDENEXAMPLE|golden-secret-access-key|golden-private-key|golden-azure-client-secret/);

    const envoy = await obtainEnvoy({ explicitPath: process.env.AIGW_ENVOY_PATH ?? '', dataHome: resolveDirs({}, process.env).dataHome, version: ENVOY_VERSION, log: () => undefined });
    const dir = await mkdtemp(join(tmpdir(), 'aigw-golden-'));
    const bootstrap = join(dir, 'envoy.json');
    // Envoy opens File access log paths even to validate: here the pipes are in a directory that exists.
    const validated = compileSources([{ file: name, text: readFileSync(join(CASES, name), 'utf8') }], {
      env: {},
      extProcSocketPath: TRANSLATE_SOCKET_PATH,
      systemCaFile: CA_FILE,
      accessLogPipeDir: dir,
    });
    await writeFile(bootstrap, JSON.stringify(validated.bootstrap));
    const { stdout } = await run(envoy.path, ['--mode', 'validate', '-c', bootstrap, '--disable-hot-restart', '-l', 'error']);
    assert.match(stdout, /OK/);
  });
}
