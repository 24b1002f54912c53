/**
 * #18 at production scale: 1000 streams in flight at once through the real gateway while three
 * edits are applied (a model added, the API key Secret rotated, the model removed). Every stream
 * was under way before the first edit and is still under way after the last; each must arrive
 * whole, on the configuration it started with (the old key upstream), and the gateway must be the
 * same processes afterwards.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';
import { gatewayPids } from '../support/process-tree.js';

const linuxOnly = process.platform !== 'linux' ? 'needs /proc (Linux)' : false;
const STREAMS = 1000;
/** Each stream: EVENTS content events, INTERVAL_MS apart (12 s). */
const EVENTS = 24;
const INTERVAL_MS = 500;
const MODEL = 'gpt-4o-mini';
const ADDED = 'gpt-added-under-load';

let upstream: FakeOpenAI;
let aigw: AigwProcess;
let port: number;

const config = (models: string[], apiKey: string): string => gatewayConfigYaml({ port, upstreamPort: upstream.port, models, apiKey, accessLog: false });

before(async () => {
  upstream = await startFakeOpenAI({ record: true, streamIntervalMs: INTERVAL_MS, contentChunks: Array.from({ length: EVENTS }, (_, i) => `c${i} `) });
  aigw = await startAigw({
    configYaml: (chosen) => {
      port = chosen;
      return config([MODEL], 'sk-before-rotation');
    },
    captureStdout: false,
  });
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
});

/** Waits until aigw has printed `count` reload lines (10 s at most). */
async function reloads(count: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while ((aigw.stderr.match(/configuration reloaded \(/g) ?? []).length < count) {
    if (Date.now() > deadline) throw new Error(`reload ${count} not done within 10 s:\n${aigw.stderr.slice(-2000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test('1000 streams in flight through three reloads: every one whole, on its own configuration; same processes', { skip: linuxOnly, timeout: 180_000 }, async () => {
  const before = await gatewayPids(aigw.pid);
  let started = 0;
  const streams = Array.from({ length: STREAMS }, async () => {
    // fetch's default dispatcher opens a connection per concurrent request.
    const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      signal: AbortSignal.timeout(120_000),
    });
    started++;
    const text = await response.text();
    const events = text.split('\n').filter((line) => line.startsWith('data: {')).length;
    if (response.status !== 200 || !text.includes(`c${EVENTS - 1} `) || !text.trimEnd().endsWith('data: [DONE]')) return `${response.status}, ${events} events: ${text.slice(-200)}`;
    return undefined;
  });
  const all = Promise.all(streams.map((stream) => stream.catch((error: unknown) => String(error))));

  // Every stream has its headers (is under way) before the first edit.
  const deadline = Date.now() + 30_000;
  while (started < STREAMS && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(started, STREAMS, `only ${started} streams started within 30 s`);
  const editsStarted = Date.now();
  writeFileSync(aigw.configPath, config([MODEL, ADDED], 'sk-before-rotation'));
  await reloads(1);
  writeFileSync(aigw.configPath, config([MODEL, ADDED], 'sk-after-rotation'));
  await reloads(2);
  writeFileSync(aigw.configPath, config([MODEL], 'sk-after-rotation'));
  await reloads(3);
  const editsMs = Date.now() - editsStarted;
  assert.ok(editsMs < EVENTS * INTERVAL_MS - 2000, `the edits took ${editsMs} ms: the streams no longer span them`);

  const failures = (await all).filter((outcome) => outcome !== undefined);
  assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${STREAMS} streams failed`);
  // They started on the first configuration: the provider saw the key from before the rotation.
  const streamed = upstream.requests.filter((received) => received.path.endsWith('/chat/completions'));
  assert.equal(streamed.length, STREAMS);
  assert.ok(streamed.every((received) => received.header('authorization') === 'Bearer sk-before-rotation'));
  assert.deepEqual(await gatewayPids(aigw.pid), before, 'the same aigw, Envoy and ext_proc');
  // And the new configuration serves.
  const after = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }), signal: AbortSignal.timeout(30_000) });
  assert.equal(after.status, 200);
  await after.text();
  assert.equal(upstream.requests.at(-1)?.header('authorization'), 'Bearer sk-after-rotation');
  process.stderr.write(`reload under load: ${STREAMS} streams of ${(EVENTS * INTERVAL_MS) / 1000} s, 3 reloads in ${editsMs} ms, 0 failed\n`);
});
