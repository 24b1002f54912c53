import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { downloadEnvoy } from './download-envoy.js';
import { cachedEnvoyPath } from './envoy-cache.js';
import { fakeEnvoyScript, makeTempDir, removeDir, writeExecutable } from '../test/support/fake-envoy-fixtures.js';

describe('downloadEnvoy', () => {
  it('prints the cached path and the version line, ignoring an explicit path', async () => {
    const dataHome = await makeTempDir('dl');
    try {
      const path = cachedEnvoyPath(dataHome, '1.38.3');
      await mkdir(dirname(path), { recursive: true });
      await writeExecutable(path, fakeEnvoyScript('1.38.3'));
      const out: string[] = [];
      const logs: string[] = [];
      const opts = {
        dataHome,
        version: '1.38.3',
        log: (l: string) => logs.push(l),
        out: (l: string) => out.push(l),
        env: { AIGW_ENVOY_VERSIONS_URL: 'http://127.0.0.1:9/x.json' },
        explicitPath: join(dataHome, 'does-not-exist'),
      };
      const got = await downloadEnvoy(opts);
      assert.equal(got.source, 'cache');
      assert.equal(got.reportedVersion, '1.38.3');
      assert.equal(out[0], path);
      assert.match(out[1] ?? '', /version: [0-9a-f]+\/1\.38\.3\//);
      assert.ok(logs.includes('Envoy 1.38.3 is already downloaded'));
    } finally {
      await removeDir(dataHome);
    }
  });

  it('warns when the binary reports another version', async () => {
    const dataHome = await makeTempDir('dl2');
    try {
      const path = cachedEnvoyPath(dataHome, '1.38.3');
      await mkdir(dirname(path), { recursive: true });
      await writeExecutable(path, fakeEnvoyScript('1.37.0'));
      const logs: string[] = [];
      await downloadEnvoy({ dataHome, version: '1.38.3', log: (l) => logs.push(l), out: () => undefined });
      assert.ok(logs.some((l) => /reports version 1\.37\.0, expected 1\.38\.3/.test(l)), logs.join('\n'));
    } finally {
      await removeDir(dataHome);
    }
  });
});
