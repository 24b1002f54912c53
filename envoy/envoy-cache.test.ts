import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  cachedEnvoyPath,
  createStagingDir,
  envoyVersionDir,
  envoyVersionsDir,
  installVersionDir,
  removeStaleStagingDirs,
  STALE_STAGING_AGE_MS,
} from './envoy-cache.js';
import { makeTempDir, removeDir, writeExecutable } from '../test/support/fake-envoy-fixtures.js';

async function stage(dataHome: string, content: string): Promise<string> {
  const dir = await createStagingDir(dataHome, 'test');
  await mkdir(join(dir, 'bin'));
  await writeExecutable(join(dir, 'bin', 'envoy'), content);
  return dir;
}

describe('envoy cache', () => {
  let work: string;
  let n = 0;
  const freshHome = (): string => join(work, `home-${++n}`);
  before(async () => {
    work = await makeTempDir('cache');
  });
  after(async () => {
    await removeDir(work);
  });

  it('lays out <dataHome>/envoy-versions/<version>/bin/envoy', () => {
    assert.equal(cachedEnvoyPath('/d', '1.38.3'), join('/d', 'envoy-versions', '1.38.3', 'bin', 'envoy'));
  });

  it('installs a staged directory with one rename', async () => {
    const home = freshHome();
    const staged = await stage(home, '#!/bin/sh\necho one\n');
    assert.equal(await installVersionDir(staged, envoyVersionDir(home, '1.0.0')), 'installed');
    assert.deepEqual(await readdir(envoyVersionsDir(home)), ['1.0.0']);
  });

  it('keeps the winner when another process installed first', async () => {
    const home = freshHome();
    const target = envoyVersionDir(home, '1.0.0');
    assert.equal(await installVersionDir(await stage(home, '#!/bin/sh\necho first\n'), target), 'installed');
    assert.equal(await installVersionDir(await stage(home, '#!/bin/sh\necho second\n'), target), 'already-present');
    assert.match(await readFile(cachedEnvoyPath(home, '1.0.0'), 'utf8'), /first/);
    assert.deepEqual(await readdir(envoyVersionsDir(home)), ['1.0.0']);
  });

  it('replaces an incomplete directory at the target', async () => {
    const home = freshHome();
    const target = envoyVersionDir(home, '1.0.0');
    await mkdir(join(target, 'bin'), { recursive: true });
    await writeFile(join(target, 'junk'), 'half-written');
    assert.equal(await installVersionDir(await stage(home, '#!/bin/sh\necho new\n'), target), 'installed');
    assert.match(await readFile(cachedEnvoyPath(home, '1.0.0'), 'utf8'), /new/);
    assert.deepEqual(await readdir(envoyVersionsDir(home)), ['1.0.0']);
  });

  it('refuses to install a staging dir without an executable bin/envoy', async () => {
    const home = freshHome();
    const dir = await createStagingDir(home, 'empty');
    await assert.rejects(installVersionDir(dir, envoyVersionDir(home, '1.0.0')), /incomplete Envoy/);
  });

  it('removes only stale staging dirs', async () => {
    const home = freshHome();
    const fresh = await createStagingDir(home, 'fresh');
    const stale = await createStagingDir(home, 'stale');
    const old = new Date(Date.now() - STALE_STAGING_AGE_MS - 60_000);
    await utimes(stale, old, old);
    await mkdir(envoyVersionDir(home, '1.0.0'));
    await utimes(envoyVersionDir(home, '1.0.0'), old, old);
    await removeStaleStagingDirs(home);
    const left = await readdir(envoyVersionsDir(home));
    assert.ok(left.includes(fresh.split('/').pop() ?? ''));
    assert.ok(!left.includes(stale.split('/').pop() ?? ''));
    assert.ok(left.includes('1.0.0'), 'version dirs are never touched');
  });
});
