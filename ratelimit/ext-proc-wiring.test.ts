/**
 * The ext_proc process (dist/extproc/main.js) serves the rate-limit service when its config has
 * rate limits: `--ratelimit-socket` is then required (usage error, exit 80, as `--mcp-socket`),
 * the socket is private, decisions show on the admin `/metrics`, and SIGTERM stops it cleanly.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { FILTER_CONFIG_VERSION } from '../contract/filter-config.js';
import { isRecord } from '../common/json-guards.js';
import { READY_LINE } from '../extproc/server/ready-line.js';
import { freePort } from '../test/support/free-port.js';
import { rateLimitClient } from '../test/support/rate-limit-client.js';

const MAIN = fileURLToPath(new URL('../extproc/main.js', import.meta.url));
let dir: string;
let configPath: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'aigw-rls-main-'));
  configPath = join(dir, 'filter-config.json');
  const rateLimit = { domains: [{ domain: 'd', descriptors: [{ key: 'k', rateLimit: { requestsPerUnit: 1, unit: 'minute' }, source: 'wiring' }] }], checks: { rules: [], backends: [] }, failureModeDeny: false };
  writeFileSync(configPath, JSON.stringify({ version: FILTER_CONFIG_VERSION, rules: [], backends: [], routes: [], models: [], rateLimit }));
});

after(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[]): { child: ChildProcess; stderr: () => string; exit: Promise<number | null> } {
  const child = spawn(process.execPath, [MAIN, '--config', configPath, '--socket', join(dir, 'extproc.sock'), '--log-format', 'text', ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, AIGW_RATELIMIT_REDIS_URL: '' } });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exit };
}

test('rate limits without --ratelimit-socket: a usage error (exit 80)', { timeout: 20_000 }, async () => {
  const { exit, stderr } = run(['--admin-port', String(await freePort())]);
  assert.equal(await exit, 80);
  assert.match(stderr(), /the config has rate limits: --ratelimit-socket is required/);
});

test('with --ratelimit-socket: serves ShouldRateLimit on a private socket, metrics on /metrics, stops on SIGTERM', { timeout: 30_000 }, async () => {
  const socketPath = join(dir, 'ratelimit.sock');
  const adminPort = await freePort();
  const { child, exit, stderr } = run(['--admin-port', String(adminPort), '--ratelimit-socket', socketPath]);
  try {
    const deadline = Date.now() + 20_000;
    while (!stderr().includes(READY_LINE)) {
      assert.ok(Date.now() < deadline, `no ready line: ${stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assert.equal(statSync(socketPath).mode & 0o777, 0o600);
    const client = rateLimitClient(socketPath);
    try {
      const codes: unknown[] = [];
      for (let i = 0; i < 2; i++) {
        const reply = await client.shouldRateLimit({ domain: 'd', descriptors: [{ entries: [{ key: 'k', value: 'v' }] }] });
        codes.push(isRecord(reply.response) ? reply.response.overall_code : reply.error?.message);
      }
      assert.deepEqual(codes, ['OK', 'OVER_LIMIT']);
    } finally {
      client.close();
    }
    const metrics = await (await fetch(`http://127.0.0.1:${adminPort}/metrics`, { signal: AbortSignal.timeout(5000) })).text();
    assert.match(metrics, /aigw_ratelimit_decisions_total\{domain="d",source="wiring",decision="over_limit"\} 1/);
    child.kill('SIGTERM');
    assert.equal(await exit, 0);
  } finally {
    child.kill('SIGKILL');
  }
});
