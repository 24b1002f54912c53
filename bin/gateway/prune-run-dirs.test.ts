import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AigwDirs } from './aigw-dirs.js';
import { pruneRunDirs } from './prune-run-dirs.js';
import { acquireRunLock, RUN_LOCK_FILE } from './run-lock.js';

async function dirsIn(): Promise<AigwDirs> {
  const base = await mkdtemp(join(tmpdir(), 'aigw-prune-'));
  return { configHome: join(base, 'config'), dataHome: join(base, 'data'), stateHome: join(base, 'state'), runtimeDir: join(base, 'rt') };
}

async function makeDir(path: string, file: string | undefined, ageSeconds: number): Promise<void> {
  await mkdir(path, { recursive: true });
  if (file) await writeFile(join(path, file), '{}');
  const time = new Date(Date.now() - ageSeconds * 1000);
  await utimes(path, time, time);
}

test('keeps the newest runs (current included), a live run and foreign directories; removes the rest', async () => {
  const dirs = await dirsIn();
  const runs = join(dirs.stateHome, 'runs');
  // run-00 newest … run-12 oldest.
  for (let i = 0; i < 13; i++) await makeDir(join(runs, `run-${String(i).padStart(2, '0')}`), 'envoy.json', 100 + i);
  await makeDir(join(runs, 'current'), undefined, 0);
  await makeDir(join(runs, 'not-aigw'), undefined, 9999);
  // The oldest run still has its aigw running: its lock answers.
  await makeDir(join(dirs.runtimeDir, 'run-12'), undefined, 9999);
  const lock = await acquireRunLock(join(dirs.runtimeDir, 'run-12'), { pid: process.pid, startedAt: 'now' });
  assert.ok(lock.acquired);
  try {
    // Left by an aigw killed with SIGKILL: lock file, nobody listening.
    await makeDir(join(dirs.runtimeDir, 'killed'), RUN_LOCK_FILE, 3600);
    // Created a moment ago by an aigw about to take its lock.
    await makeDir(join(dirs.runtimeDir, 'starting'), RUN_LOCK_FILE, 1);
    await makeDir(join(dirs.runtimeDir, 'unrelated'), undefined, 3600);

    await pruneRunDirs(dirs, { keep: 10, current: 'current' });
    assert.deepEqual((await readdir(runs)).sort(), ['current', 'not-aigw', ...Array.from({ length: 9 }, (_, i) => `run-0${i}`), 'run-12'].sort());
    assert.ok(!existsSync(join(dirs.runtimeDir, 'killed')));
    assert.ok(existsSync(join(dirs.runtimeDir, 'starting')));
    assert.ok(existsSync(join(dirs.runtimeDir, 'unrelated')));
    assert.ok(existsSync(join(dirs.runtimeDir, 'run-12')));
  } finally {
    if (lock.acquired) await lock.lock.release();
    await rm(join(dirs.stateHome, '..'), { recursive: true, force: true });
  }
});

test('nothing to prune: no directories yet', async () => {
  const dirs = await dirsIn();
  assert.deepEqual(await pruneRunDirs(dirs, { keep: 10, current: 'x' }), []);
});
