import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import type { ConfigStatus } from '../../../contract/config-status.js';
import { registerConfigStatusMetrics } from './config-status-metrics.js';

test('the configuration metrics follow the status file at each scrape; none while it is absent or not a status', { timeout: 10_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-config-status-'));
  try {
    const file = join(dir, 'config-status.json');
    const registry = new Registry();
    registerConfigStatusMetrics(registry, file);
    const samples = async (): Promise<string[]> => (await registry.metrics()).split('\n').filter((line) => line.startsWith('aigw_config_'));
    assert.deepEqual(await samples(), []);

    const status: ConfigStatus = { version: 'aaa111', reloadsSucceeded: 0, reloadsFailed: 0, lastReloadSuccessSeconds: 0, lastReloadFailureSeconds: 0 };
    await writeFile(file, JSON.stringify(status));
    assert.deepEqual(await samples(), [
      'aigw_config_info{version="aaa111"} 1',
      'aigw_config_reloads_total{result="success"} 0',
      'aigw_config_reloads_total{result="failure"} 0',
      'aigw_config_last_reload_timestamp_seconds{result="success"} 0',
      'aigw_config_last_reload_timestamp_seconds{result="failure"} 0',
    ]);

    await writeFile(file, JSON.stringify({ ...status, version: 'bbb222', reloadsSucceeded: 2, reloadsFailed: 1, lastReloadSuccessSeconds: 1780000000, lastReloadFailureSeconds: 1779999999 }));
    const after = await samples();
    assert.ok(after.includes('aigw_config_info{version="bbb222"} 1'), after.join('\n'));
    assert.ok(!after.some((line) => line.includes('aaa111')), 'the old version is gone');
    assert.ok(after.includes('aigw_config_reloads_total{result="success"} 2'));
    assert.ok(after.includes('aigw_config_reloads_total{result="failure"} 1'));
    assert.ok(after.includes('aigw_config_last_reload_timestamp_seconds{result="success"} 1780000000'));

    await writeFile(file, JSON.stringify({ version: 7 }));
    assert.deepEqual(await samples(), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
