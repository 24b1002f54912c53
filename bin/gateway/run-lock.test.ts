import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { acquireRunLock, RUN_LOCK_FILE } from './run-lock.js';

const OWNER = { pid: process.pid, startedAt: '2026-01-01T00:00:00.000Z' };
const RUN_LOCK_JS = fileURLToPath(new URL('./run-lock.js', import.meta.url));

/** Runs `script` (an ES module body) in a child node process; resolves with its exit and stdout. */
function node(script: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout }));
  });
}

test('a held run is refused with its owner; released, it can be taken again', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-lock-'));
  try {
    const first = await acquireRunLock(dir, OWNER);
    assert.ok(first.acquired);
    const second = await acquireRunLock(dir, { pid: 2, startedAt: 'later' });
    assert.deepEqual(second, { acquired: false, owner: OWNER });
    await first.lock.release();
    await first.lock.release(); // twice is harmless
    assert.equal(existsSync(join(dir, RUN_LOCK_FILE)), false);
    const third = await acquireRunLock(dir, OWNER);
    assert.ok(third.acquired);
    await third.lock.release();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('the lock of a process killed with SIGKILL is stale and taken over', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-lock-'));
  try {
    const killed = await node(`
      const { acquireRunLock } = await import(${JSON.stringify(RUN_LOCK_JS)});
      const result = await acquireRunLock(${JSON.stringify(dir)}, { pid: process.pid, startedAt: 'x' });
      if (result.acquired) process.kill(process.pid, 'SIGKILL');`);
    assert.equal(killed.signal, 'SIGKILL');
    assert.ok(existsSync(join(dir, RUN_LOCK_FILE)), 'the killed process left its socket file behind');
    const taken = await acquireRunLock(dir, OWNER);
    assert.ok(taken.acquired);
    await taken.lock.release();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('processes racing for a run (a stale lock left, too): exactly one gets it, every time', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-lock-'));
  try {
    for (let round = 0; round < 3; round++) {
      // All start at the same instant (once loaded); the winner holds on a while, so the losers find it alive.
      const startAt = Date.now() + 2000;
      const contenders = Array.from({ length: 4 }, () =>
        node(`
          const { acquireRunLock } = await import(${JSON.stringify(RUN_LOCK_JS)});
          await new Promise((resolve) => setTimeout(resolve, ${startAt} - Date.now()));
          const result = await acquireRunLock(${JSON.stringify(dir)}, { pid: process.pid, startedAt: 'x' });
          process.stdout.write(result.acquired ? 'won' : 'lost');
          if (result.acquired) { await new Promise((resolve) => setTimeout(resolve, 1500)); process.kill(process.pid, 'SIGKILL'); }`),
      );
      const results = await Promise.all(contenders);
      assert.deepEqual(results.map((result) => result.stdout).sort(), ['lost', 'lost', 'lost', 'won'], `round ${round}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
