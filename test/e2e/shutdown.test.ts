/**
 * Shutdown: a signal (SIGTERM, SIGINT, or SIGHUP from a closed terminal with --watch=false) drains in-flight
 * requests before Envoy stops and exits 0, even when the terminal is gone; a second signal exits
 * at once; aigw killed outright takes its children with it (no orphaned Envoy holding the port).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AIGW_BIN, freePort, gatewayConfigYaml, READY_LINE, startAigw } from '../support/aigw-process.js';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';
import { faultHeaders, startFaultyUpstream, type FaultyUpstream } from '../support/faulty-upstream.js';
import { BACKEND_SELECTOR_HEADER, providerGatewayYaml } from '../support/provider-gateway-yaml.js';

async function childPids(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}

/** For a start that fails: the upstream a test already started would otherwise stay open. */
function closeAndRethrow(upstream: { close(): Promise<void> }): (error: unknown) => Promise<never> {
  return async (error) => {
    await upstream.close();
    throw error;
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

test('SIGTERM lets an in-flight request finish, then exits 0', async () => {
  const upstream = await startFakeOpenAI({ delayMs: 1500 });
  const aigw = await startAigw({ configYaml: (port) => gatewayConfigYaml({ port, upstreamPort: upstream.port }) }).catch(closeAndRethrow(upstream));
  const port = aigw.port;
  try {
    const inFlight = fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'slow' }] }),
    });
    await upstream.waitForRequests(1, 5000);
    const exit = aigw.stop('SIGTERM');
    const response = await inFlight;
    assert.equal(response.status, 200);
    assert.match(await response.text(), /chat.completion/);
    assert.deepEqual(await exit, { code: 0, signal: null });
    assert.match(aigw.stderr, /draining in-flight requests/);
  } finally {
    await aigw.stop();
    await upstream.close();
  }
});

test('killing aigw with SIGKILL also ends Envoy and the ext_proc', { skip: process.platform !== 'linux' ? 'needs setpriv --pdeathsig (Linux)' : false }, async () => {
  const aigw = await startAigw({ configYaml: (port) => gatewayConfigYaml({ port, upstreamPort: 9 }) });
  const children = await childPids(aigw.pid);
  assert.equal(children.length, 2, 'Envoy and the ext_proc');
  process.kill(aigw.pid, 'SIGKILL');
  await aigw.exited;
  const deadline = Date.now() + 5000;
  while (children.some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(children.filter(isAlive), []);
});

/** A request the faulty upstream answers only after `delayMs` (a long LLM call in flight). */
function slowChat(port: number, delayMs: number): Promise<Response> {
  return fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [BACKEND_SELECTOR_HEADER]: 'openai', ...faultHeaders({ fault: 'slow', delayMs }) },
    body: JSON.stringify({ model: 'fault-model', messages: [{ role: 'user', content: 'take your time' }] }),
  });
}

function faultyGatewayYaml(port: number, upstream: FaultyUpstream): string {
  return providerGatewayYaml(port, [{ name: 'openai', schema: { name: 'OpenAI' }, port: upstream.port }]);
}

test('with --watch=false, SIGHUP (the terminal closed) drains like SIGTERM: a long in-flight request completes, then exit 0', async () => {
  const upstream = await startFaultyUpstream();
  // Watching (the default), SIGHUP reloads the config file instead (hot-reload.test.ts).
  const aigw = await startAigw({ configYaml: (port) => faultyGatewayYaml(port, upstream), extraArgs: ['--watch=false'] }).catch(closeAndRethrow(upstream));
  const port = aigw.port;
  try {
    const inFlight = slowChat(port, 2500);
    await upstream.nextRequest();
    const hungUpAt = Date.now();
    const exit = aigw.stop('SIGHUP');
    const response = await inFlight;
    assert.equal(response.status, 200, await response.clone().text());
    assert.match(await response.text(), /chat.completion/);
    assert.ok(Date.now() - hungUpAt > 1500, 'the request was still in flight when SIGHUP came');
    assert.deepEqual(await exit, { code: 0, signal: null });
    assert.match(aigw.stderr, /shutting down on SIGHUP \(draining in-flight requests/);
  } finally {
    await aigw.stop();
    await upstream.close();
  }
});

test('with --watch=false, SIGHUP after the terminal went away (stdout and stderr closed): aigw still drains and exits 0 instead of dying on a write', async () => {
  const upstream = await startFaultyUpstream();
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'aigw-hup-'));
  const config = join(dir, 'config.yaml');
  await writeFile(config, faultyGatewayYaml(port, upstream));
  // Access logs to stdout and Envoy's errors to stderr keep flowing into the closed pipes.
  const child = spawn(process.execPath, [AIGW_BIN, 'run', config, '--admin-port', String(await freePort()), '--run-id', 'hup', '--watch=false'], {
    env: { ...process.env, AIGW_STATE_HOME: join(dir, 'state'), AIGW_RUNTIME_DIR: join(dir, 'run') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  try {
    let stderr = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not ready:\n${stderr}`)), 60_000);
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
        if (stderr.includes(READY_LINE)) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.stdout.destroy();
    child.stderr.destroy();
    const inFlight = slowChat(port, 2500);
    await upstream.nextRequest();
    child.kill('SIGHUP');
    const response = await inFlight;
    assert.equal(response.status, 200);
    assert.deepEqual(await exited, { code: 0, signal: null });
  } finally {
    child.kill('SIGKILL');
    await upstream.close();
    await rm(dir, { recursive: true, force: true });
  }
});

test('a second signal during the drain exits at once', async () => {
  const upstream = await startFaultyUpstream();
  const aigw = await startAigw({ configYaml: (port) => faultyGatewayYaml(port, upstream), extraArgs: ['--watch=false'] }).catch(closeAndRethrow(upstream));
  const port = aigw.port;
  try {
    const inFlight = slowChat(port, 10_000).then(
      (response) => response.status,
      () => 0,
    );
    await upstream.nextRequest();
    process.kill(aigw.pid, 'SIGHUP');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const signalledAt = Date.now();
    process.kill(aigw.pid, 'SIGTERM');
    const exit = await aigw.exited;
    assert.ok(Date.now() - signalledAt < 3000, `exited ${Date.now() - signalledAt} ms after the second signal`);
    assert.equal(exit.code, 1);
    assert.notEqual(await inFlight, 200, 'the in-flight request was cut');
  } finally {
    await aigw.stop();
    await upstream.close();
  }
});
