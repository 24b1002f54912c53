/**
 * Shutdown: a signal drains in-flight requests before Envoy stops; aigw killed outright takes
 * its children with it (no orphaned Envoy holding the port).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { freePort, gatewayConfigYaml, startAigw } from '../support/aigw-process.js';
import { startFakeOpenAI } from '../support/fake-openai-upstream.js';

async function childPids(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
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
  const port = await freePort();
  const aigw = await startAigw({ configYaml: gatewayConfigYaml({ port, upstreamPort: upstream.port }) });
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
  const aigw = await startAigw({ configYaml: gatewayConfigYaml({ port: await freePort(), upstreamPort: 9 }) });
  const children = await childPids(aigw.pid);
  assert.equal(children.length, 2, 'Envoy and the ext_proc');
  process.kill(aigw.pid, 'SIGKILL');
  await aigw.exited;
  const deadline = Date.now() + 5000;
  while (children.some(isAlive) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(children.filter(isAlive), []);
});
