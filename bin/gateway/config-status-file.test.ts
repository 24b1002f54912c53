import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfigStatus } from '../../contract/config-status.js';
import { ConfigStatusFile } from './config-status-file.js';

test('the status file: the start version, then each reload’s outcome; private; parseable by the ext_proc’s side', { timeout: 10_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-status-'));
  try {
    let now = 1_780_000_000_500;
    const file = new ConfigStatusFile(join(dir, 'config-status.json'), 'v1', () => now);
    const read = async (): Promise<unknown> => parseConfigStatus(JSON.parse(await readFile(file.path, 'utf8')));
    await file.write();
    assert.deepEqual(await read(), { version: 'v1', reloadsSucceeded: 0, reloadsFailed: 0, lastReloadSuccessSeconds: 0, lastReloadFailureSeconds: 0 });
    assert.equal((await stat(file.path)).mode & 0o777, 0o600);
    void file.failed();
    now += 2000;
    await file.succeeded('v2');
    assert.deepEqual(await read(), { version: 'v2', reloadsSucceeded: 1, reloadsFailed: 1, lastReloadSuccessSeconds: 1_780_000_002, lastReloadFailureSeconds: 1_780_000_000 });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
