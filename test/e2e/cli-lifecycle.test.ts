/**
 * The life of an `aigw run` around its processes and files: it stops with the process that
 * launched it (a killed `npx aigw run` or shell wrapper leaves no aigw, Envoy or ext_proc
 * serving), removes its runtime directory on exit, and logs one JSON object per line with
 * --log-format json, Envoy's and the ext_proc's lines included.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isRecord } from '../../common/json-guards.js';
import { AIGW_BIN, freePort, gatewayConfigYaml, READY_LINE, startAigw } from '../support/aigw-process.js';
import { childPids, commandLine, gatewayPids, isAlive, waitForExit } from '../support/process-tree.js';
import { runCli } from '../support/run-cli.js';

const linuxOnly = process.platform !== 'linux' ? 'needs /proc (Linux)' : false;
/** The drain has nothing to wait for: the poll (500 ms) and Envoy's exit take well under this. */
const GONE_WITHIN_MS = 15_000;

interface Launched {
  launcher: ChildProcess;
  aigwPid: number;
  port: number;
  runtimeDir: string;
  stderr: () => string;
  cleanup: () => Promise<void>;
}

/** Starts `aigw run` under a launcher process (`wrapper` gets the aigw command line) and waits until it serves. */
async function launchUnder(wrapper: (aigwArgs: string[]) => string[]): Promise<Launched> {
  const dir = await mkdtemp(join(tmpdir(), 'aigw-wrap-'));
  const port = await freePort();
  const configPath = join(dir, 'config.yaml');
  await writeFile(configPath, gatewayConfigYaml({ port, upstreamPort: 9 }));
  const runId = `w${process.pid}-${port}`;
  const aigwArgs = [process.execPath, AIGW_BIN, 'run', configPath, '--admin-port', String(await freePort()), '--run-id', runId];
  const [file = '', ...args] = wrapper(aigwArgs);
  const launcher = spawn(file, args, { env: { ...process.env, AIGW_STATE_HOME: join(dir, 'state'), AIGW_RUNTIME_DIR: join(dir, 'run') }, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  launcher.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const deadline = Date.now() + 60_000;
  while (!stderr.includes(READY_LINE)) {
    assert.ok(Date.now() < deadline && launcher.exitCode === null, `aigw did not start:\n${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const aigwPid = await findAigw(launcher.pid ?? -1);
  return {
    launcher,
    aigwPid,
    port,
    runtimeDir: join(dir, 'run', runId),
    stderr: () => stderr,
    cleanup: async () => {
      for (const pid of [launcher.pid ?? -1, aigwPid]) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** aigw among the launcher's descendants (a shell may sit in between). */
async function findAigw(launcherPid: number): Promise<number> {
  const queue = [launcherPid];
  while (queue.length > 0) {
    const pid = queue.shift() ?? -1;
    for (const child of await childPids(pid)) {
      const argv = await commandLine(child);
      if (argv.includes(AIGW_BIN) && argv.includes('run')) return child;
      queue.push(child);
    }
  }
  throw new Error(`no aigw under pid ${launcherPid}`);
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function killLauncherAndCheck(launched: Launched, signal: NodeJS.Signals): Promise<void> {
  const { envoy, extProc } = await gatewayPids(launched.aigwPid);
  assert.ok(await portAccepts(launched.port), 'serving before the kill');
  launched.launcher.kill(signal);
  for (const [what, pid] of [['aigw', launched.aigwPid], ['Envoy', envoy], ['the ext_proc', extProc]] as const) {
    await waitForExit(pid, GONE_WITHIN_MS).catch(() => assert.fail(`${what} (pid ${pid}) still alive ${GONE_WITHIN_MS} ms after the launcher got ${signal}:\n${launched.stderr()}`));
  }
  assert.equal(await portAccepts(launched.port), false, 'the listener port is free');
  assert.ok(!existsSync(launched.runtimeDir), 'the runtime directory is removed');
  assert.match(launched.stderr(), /aigw: shutting down because the process that started aigw \(pid \d+\) has exited/);
}

test('SIGTERM to a node launcher (as npx is) stops aigw, Envoy and the ext_proc, and frees the port', { skip: linuxOnly, timeout: 120_000 }, async () => {
  // The launcher does not pass signals on: the default SIGTERM action just ends it.
  const launched = await launchUnder((aigw) => [process.execPath, '-e', `require('node:child_process').spawn(process.argv[1], process.argv.slice(2), { stdio: 'inherit' })`, ...aigw]);
  try {
    await killLauncherAndCheck(launched, 'SIGTERM');
  } finally {
    await launched.cleanup();
  }
});

test('SIGKILL to a shell wrapper stops aigw, Envoy and the ext_proc, and frees the port', { skip: linuxOnly, timeout: 120_000 }, async () => {
  // `; exit $?` keeps the shell from exec'ing aigw in its place.
  const launched = await launchUnder((aigw) => ['sh', '-c', '"$@"; exit $?', 'sh', ...aigw]);
  try {
    assert.notEqual(launched.aigwPid, launched.launcher.pid, 'the shell stays between');
    await killLauncherAndCheck(launched, 'SIGKILL');
  } finally {
    await launched.cleanup();
  }
});

test('--log-format json: every stderr line is one JSON object, the ext_proc and Envoy lines marked by source; the runtime directory goes on exit', { timeout: 120_000 }, async () => {
  const aigw = await startAigw({ configYaml: gatewayConfigYaml({ port: await freePort(), upstreamPort: 9 }), extraArgs: ['--log-format', 'json', '--debug'], keepTempDir: true });
  const runtimeDir = join(aigw.tempDir, 'run', aigw.runId);
  try {
    assert.ok(existsSync(runtimeDir));
    const env = { AIGW_RUNTIME_DIR: join(aigw.tempDir, 'run') };
    assert.equal((await runCli(['healthcheck'], { env })).code, 0);
    assert.deepEqual(await aigw.stop('SIGTERM'), { code: 0, signal: null });
    const records = aigw.stderr
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        let parsed: unknown;
        assert.doesNotThrow(() => (parsed = JSON.parse(line)), `not JSON: ${line}`);
        assert.ok(isRecord(parsed) && typeof parsed.time === 'string' && typeof parsed.msg === 'string' && ['debug', 'info', 'warn', 'error'].includes(String(parsed.level)), line);
        return parsed;
      });
    assert.ok(records.some((record) => record.source === 'extproc' && record.msg === 'AI Gateway External Processor is ready'));
    assert.ok(records.some((record) => record.source === 'envoy'), '--debug: Envoy lines, wrapped');
    assert.ok(records.some((record) => record.source === undefined && String(record.msg).startsWith('Envoy AI Gateway listening on')));
    assert.ok(records.some((record) => String(record.msg).startsWith('shutting down on SIGTERM')));
    assert.ok(!existsSync(runtimeDir), 'the runtime directory is removed on exit');
    const none = await runCli(['healthcheck'], { env });
    assert.equal(none.code, 1);
    assert.match(none.stderr, /^aigw: error: no aigw run is running/);
  } finally {
    await aigw.stop();
    await rm(aigw.tempDir, { recursive: true, force: true });
  }
});
