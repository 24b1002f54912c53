/**
 * Two gateways that want the same thing: `aigw run` twice at the same instant on one listener
 * port (or one admin port) — exactly one serves, the other exits 1 saying which address is taken
 * — and a second `aigw run` under the run id of a running one, which is refused up front and
 * leaves the first untouched; once the first is killed with SIGKILL, its run id is free again.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { AIGW_BIN, freePort, gatewayConfigYaml, READY_LINE, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';
import { gatewayPids, waitForExit } from '../support/process-tree.js';
import { runCli } from '../support/run-cli.js';
import { resolveDirs } from '../../bin/gateway/aigw-dirs.js';
import { cachedEnvoyPath } from '../../envoy/envoy-cache.js';
import { ENVOY_VERSION } from '../../envoy/envoy-version.js';

const linuxOnly = process.platform !== 'linux' ? 'needs /proc (Linux)' : false;
const ROUNDS = 3;
const noStrace = spawnSync('strace', ['-V'], { stdio: 'ignore' }).status === 0 ? false : 'needs strace (to hold Envoy between its bind and its listen)';

let upstream: FakeOpenAI;

before(async () => {
  upstream = await startFakeOpenAI();
});

after(async () => {
  await upstream?.close();
});

async function chatStatus(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    signal: AbortSignal.timeout(10_000),
  });
  await response.text();
  return response.status;
}

/** Starts two gateways at once; resolves with the one that serves and the loser's failure (startAigw's transcript). */
async function race(configs: [{ port: number; adminPort: number }, { port: number; adminPort: number }]): Promise<{ winner: AigwProcess; loserError: string; losers: number }> {
  const results = await Promise.allSettled(configs.map(({ port, adminPort }) => startAigw({ configYaml: gatewayConfigYaml({ port, upstreamPort: upstream.port }), adminPort, captureStdout: false, startTimeoutMs: 30_000 })));
  const winners = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason instanceof Error ? result.reason.message : String(result.reason)] : []));
  if (winners.length !== 1) {
    await Promise.all(winners.map((winner) => winner.stop('SIGKILL')));
    assert.fail(`expected exactly one gateway to serve, got ${winners.length}:\n${failures.join('\n')}`);
  }
  const [winner] = winners;
  assert.ok(winner);
  return { winner, loserError: failures[0] ?? '', losers: failures.length };
}

test(`two aigw run on one listener port at the same instant: exactly one serves, the other exits 1 naming the address (${ROUNDS} rounds)`, async (t) => {
  for (let round = 1; round <= ROUNDS; round++) {
    const port = await freePort();
    const { winner, loserError } = await race([
      { port, adminPort: await freePort() },
      { port, adminPort: await freePort() },
    ]);
    try {
      assert.match(loserError, /aigw exited \(code 1\) while waiting for the ready line/);
      assert.match(loserError, new RegExp(`aigw: error: address 127\\.0\\.0\\.1:${port} already in use \\(the Gateway listener needs it\\): another aigw or program is serving it`));
      // Which check caught it: aigw's probe (before the ext_proc), Envoy's own bind, or its listen (both bound first).
      t.diagnostic(`round ${round}: the loser found out ${/cannot listen\(\) errno=98/.test(loserError) ? "from Envoy's listen" : /External Processor is ready/.test(loserError) ? "from Envoy's bind" : "from aigw's probe"}`);
      for (let i = 0; i < 5; i++) assert.equal(await chatStatus(port), 200, 'the winner serves every request');
    } finally {
      assert.deepEqual(await winner.stop(), { code: 0, signal: null });
    }
  }
});

test("the lost race made certain: another process listens between Envoy's bind and its listen — aigw exits 1 naming the address instead of serving nothing", { skip: linuxOnly || noStrace }, async () => {
  // Two gateways started together can both bind the port (SO_REUSEADDR, neither listening yet);
  // the later listen() fails and Envoy drops that listener but still reports LIVE. strace holds
  // every listen() after the admin's for 3 s, so that moment is certain rather than rare.
  const dir = await mkdtemp(join(tmpdir(), 'aigw-listen-race-'));
  const wrapper = join(dir, 'envoy');
  const envoy = cachedEnvoyPath(resolveDirs({}, process.env).dataHome, ENVOY_VERSION);
  await writeFile(wrapper, `#!/bin/sh\nexec strace -D -f -qq -o ${JSON.stringify(join(dir, 'trace'))} -e trace=bind,listen -e inject=listen:delay_enter=3000000:when=2 ${JSON.stringify(envoy)} "$@"\n`);
  await chmod(wrapper, 0o755);
  const port = await freePort();
  const other = net.createServer((socket) => socket.destroy());
  try {
    const starting = startAigw({ configYaml: gatewayConfigYaml({ port, upstreamPort: upstream.port }), captureStdout: false, startTimeoutMs: 30_000, extraArgs: ['--envoy-path', wrapper] });
    const failure = starting.then(
      async (gateway) => {
        await gateway.stop('SIGKILL');
        return 'it served';
      },
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    // Envoy binds right after its admin starts; listen in the middle of its 3 s hold.
    await waitForBind(join(dir, 'trace'), port);
    await new Promise<void>((resolve, reject) => {
      other.once('error', reject);
      other.listen(port, '127.0.0.1', resolve);
    });
    const message = await failure;
    assert.match(message, /aigw exited \(code 1\)/);
    assert.match(message, new RegExp(`aigw: error: address 127\\.0\\.0\\.1:${port} already in use \\(the Gateway listener needs it\\): another aigw or program is serving it`));
    assert.match(message, /cannot listen\(\) errno=98/, "Envoy's own line is quoted");
  } finally {
    await new Promise((resolve) => other.close(resolve));
    await rm(dir, { recursive: true, force: true });
  }
});

/** Waits (≤20 s) until strace's trace shows Envoy's successful bind() of 127.0.0.1:`port`. */
async function waitForBind(tracePath: string, port: number): Promise<void> {
  const bound = new RegExp(`bind\\(\\d+, \\{sa_family=AF_INET, sin_port=htons\\(${port}\\),.*\\) = 0$`, 'm');
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (bound.test(await readFile(tracePath, 'utf8').catch(() => ''))) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.fail(`Envoy never bound port ${port}`);
}

test(`two aigw run on one admin port at the same instant: exactly one serves, the other exits 1 naming the address (${ROUNDS} rounds)`, async () => {
  for (let round = 1; round <= ROUNDS; round++) {
    const adminPort = await freePort();
    const ports = [await freePort(), await freePort()] as const;
    const { winner, loserError } = await race([
      { port: ports[0], adminPort },
      { port: ports[1], adminPort },
    ]);
    try {
      assert.match(loserError, /aigw exited \(code 1\)/);
      assert.match(loserError, new RegExp(`aigw: error: address 127\\.0\\.0\\.1:${adminPort} already in use \\(the admin server needs it\\): another aigw or program is serving it; choose another with --admin-port`));
      const health = await fetch(`http://127.0.0.1:${adminPort}/health`);
      assert.equal(health.status, 200, await health.text());
    } finally {
      assert.deepEqual(await winner.stop(), { code: 0, signal: null });
    }
  }
});

test('the run id of a running gateway is refused up front (--run-id and AIGW_RUN_ID), the gateway untouched; after a kill -9 it is free again', { skip: linuxOnly }, async () => {
  const port = await freePort();
  const first = await startAigw({ configYaml: gatewayConfigYaml({ port, upstreamPort: upstream.port }), captureStdout: false, keepTempDir: true });
  const dirs = { AIGW_STATE_HOME: join(first.tempDir, 'state'), AIGW_RUNTIME_DIR: join(first.tempDir, 'run') };
  const runtimeDir = join(dirs.AIGW_RUNTIME_DIR, first.runId);
  const bootstrap = join(dirs.AIGW_STATE_HOME, 'runs', first.runId, 'envoy.json');
  try {
    const before = { admin: await readFile(join(runtimeDir, 'admin-address.txt'), 'utf8'), bootstrap: (await stat(bootstrap)).mtimeMs, socket: (await stat(join(runtimeDir, 'extproc.sock'))).ino };
    // Another port and admin port: only the run id is shared.
    const other = gatewayConfigYaml({ port: await freePort(), upstreamPort: upstream.port });
    const otherFile = join(first.tempDir, 'other.yaml');
    await writeFile(otherFile, other);
    for (const [args, env, origin] of [
      [['--run-id', first.runId], {}, '--run-id'],
      [[], { AIGW_RUN_ID: first.runId }, 'AIGW_RUN_ID'],
    ] as const) {
      const startedAt = Date.now();
      const refused = await runCli(['run', otherFile, '--admin-port', String(await freePort()), ...args], { env: { ...dirs, ...env }, timeoutMs: 30_000 });
      assert.equal(refused.code, 1, refused.stderr);
      assert.equal(
        refused.stderr.trim(),
        `aigw: error: run id ${first.runId} (${origin}) is in use by a running aigw (pid ${first.pid}, started ${/started ([^)]+)\)/.exec(refused.stderr)?.[1] ?? '?'}): a second gateway under it would take over its sockets and run files. Stop that gateway first, or choose another run id`,
      );
      assert.ok(Date.now() - startedAt < 10_000, 'refused before starting anything');
    }
    assert.equal(await chatStatus(port), 200, 'the first gateway still serves');
    assert.equal(await readFile(join(runtimeDir, 'admin-address.txt'), 'utf8'), before.admin);
    assert.equal((await stat(bootstrap)).mtimeMs, before.bootstrap, 'its bootstrap was not rewritten');
    assert.equal((await stat(join(runtimeDir, 'extproc.sock'))).ino, before.socket, 'its ext_proc socket was not replaced');

    // kill -9: no cleanup, the lock socket stays behind; the run id is free all the same.
    const pids = await gatewayPids(first.pid);
    process.kill(first.pid, 'SIGKILL');
    await first.exited;
    await waitForExit(pids.envoy);
    await waitForExit(pids.extProc);
    const again = spawn(process.execPath, [AIGW_BIN, 'run', first.configPath, '--admin-port', String(await freePort()), '--run-id', first.runId], { env: { ...process.env, ...dirs }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    const exited = new Promise<number | null>((resolve) => again.once('close', resolve));
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 30_000);
      again.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        if (stderr.includes(READY_LINE)) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      void exited.then(() => resolve(false));
    });
    try {
      assert.ok(ready, `the run id was not taken over after the kill:\n${stderr}`);
      assert.equal(await chatStatus(port), 200);
    } finally {
      again.kill('SIGTERM');
      assert.equal(await exited, 0, stderr);
    }
  } finally {
    await first.stop('SIGKILL');
    await rm(first.tempDir, { recursive: true, force: true });
  }
});
