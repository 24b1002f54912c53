/**
 * #18: `aigw run FILE` applies edits to FILE while serving. Under steady load (keep-alive
 * requests, a new connection per request, streams that last seconds), a series of edits — a
 * model and its route added, the API key Secret rotated, an edit that does not compile, a fixed
 * edit, the model removed, a listener added and removed, a SIGHUP — with zero failed requests and the same Envoy process
 * throughout; each edit's time from the file write to the new behaviour is measured.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { after, before, test } from 'node:test';
import { freePort, gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';
import { gatewayPids } from '../support/process-tree.js';

const STEADY_MODEL = 'gpt-4o-mini';
const NEW_MODEL = 'gpt-added-live';

let upstream: FakeOpenAI;
let aigw: AigwProcess;
let port: number;

function config(models: string[], apiKey: string, secondPort?: number): string {
  const yaml = gatewayConfigYaml({ port, upstreamPort: upstream.port, models, apiKey });
  if (secondPort === undefined) return yaml;
  const listener = `      port: ${port}\n`;
  assert.ok(yaml.includes(listener));
  return yaml.replace(listener, `${listener}    - name: second\n      protocol: HTTP\n      port: ${secondPort}\n`);
}

interface Answer {
  status: number;
  body: string;
}

function chat(model: string, agent: Agent | false, stream = false): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...(stream ? { stream: true } : {}) });
    const req = request({ host: '127.0.0.1', port, path: '/v1/chat/completions', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('no answer in 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Polls until `check` holds (each try a real request), returning how long it took; fails after 10 s. */
async function until(what: string, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < 10_000) {
    if (await check()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what}: not within 10 s\n${aigw.stderr.slice(-3000)}`);
}

/** Waits for `pattern` in aigw's stderr after char `since`; returns the matching text. */
async function stderrLine(pattern: RegExp, timeoutMs: number, since = 0): Promise<string> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const match = pattern.exec(aigw.stderr.slice(since));
    if (match) return match[0];
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`no ${String(pattern)} on aigw's stderr within ${timeoutMs} ms:\n${aigw.stderr.slice(since).slice(-3000)}`);
}

before(async () => {
  // Streams take ~2 s (20 events, 100 ms apart): some are always under way across an edit.
  upstream = await startFakeOpenAI({ record: true, streamIntervalMs: 100, contentChunks: Array.from({ length: 20 }, (_, i) => `w${i} `) });
  aigw = await startAigw({
    configYaml: (chosen) => {
      port = chosen;
      return config([STEADY_MODEL], 'sk-first-key');
    },
    captureStdout: false,
  });
});

after(async () => {
  await aigw.stop();
  await upstream.close();
});

test('edits apply while serving: zero failed requests, the same Envoy, each edit live within seconds', { timeout: 120_000 }, async () => {
  const envoyPid = (await gatewayPids(aigw.pid)).envoy;
  const failures: string[] = [];
  let completed = 0;
  let running = true;
  const keepAlive = new Agent({ keepAlive: true, maxSockets: 4 });
  const worker = async (agent: Agent | false, stream: boolean): Promise<void> => {
    while (running) {
      try {
        const answer = await chat(STEADY_MODEL, agent, stream);
        const ok = answer.status === 200 && (stream ? answer.body.includes('data: [DONE]') : answer.body.includes('"choices"'));
        if (ok) completed++;
        else failures.push(`${answer.status}: ${answer.body.slice(0, 200)}`);
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  const load = [worker(keepAlive, false), worker(keepAlive, false), worker(false, false), worker(keepAlive, true), worker(false, true)];
  const timings: Record<string, number> = {};
  try {
    await new Promise((resolve) => setTimeout(resolve, 1500));

    // 1. A model and its route added.
    assert.equal((await chat(NEW_MODEL, false)).status, 404);
    writeFileSync(aigw.configPath, config([STEADY_MODEL, NEW_MODEL], 'sk-first-key'));
    timings['model added'] = await until('the added model', async () => (await chat(NEW_MODEL, false)).status === 200);
    await stderrLine(/configuration reloaded \(.*\) in \d+ ms: version \w+; routes \+1 −0 ~0/, 10_000);

    // 2. The API key Secret rotated: the provider gets the new key.
    writeFileSync(aigw.configPath, config([STEADY_MODEL, NEW_MODEL], 'sk-second-key'));
    const seen = upstream.requests.length;
    timings['Secret rotated'] = await until('the rotated key', async () => {
      await chat(NEW_MODEL, false);
      return upstream.requests.slice(seen).some((received) => received.header('authorization') === 'Bearer sk-second-key');
    });

    // 3. An edit that does not compile: every problem with file:line:col, the running configuration kept.
    const before = aigw.stderr.length;
    writeFileSync(aigw.configPath, `${config([STEADY_MODEL, NEW_MODEL], 'sk-second-key')}---\napiVersion: aigateway.envoyproxy.io/v1beta1\nkind: AIGatewayRoute\nmetadata:\n  name: broken\n  namespace: default\nspec:\n  nonsense: 1\n`);
    const refusal = await stderrLine(/configuration not reloaded/, 10_000, before);
    assert.match(aigw.stderr.slice(before), /:\d+:\d+: .*nonsense/, refusal);
    assert.match(aigw.stderr.slice(before), /keeps serving/);
    assert.equal((await chat(NEW_MODEL, false)).status, 200);

    // 4. Fixed, and the model removed: its requests get the gateway's 404 again.
    writeFileSync(aigw.configPath, config([STEADY_MODEL], 'sk-second-key'));
    timings['model removed'] = await until('the removed model', async () => (await chat(NEW_MODEL, false)).status === 404);

    // 5. A listener added on a port of its own, then removed.
    const secondPort = await freePort();
    writeFileSync(aigw.configPath, config([STEADY_MODEL], 'sk-second-key', secondPort));
    const modelsOn = async (onPort: number): Promise<number> =>
      new Promise((resolve) => {
        const req = request({ host: '127.0.0.1', port: onPort, path: '/v1/models', agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', () => resolve(0));
        req.setTimeout(5000, () => req.destroy());
        req.end();
      });
    timings['listener added'] = await until('the added listener', async () => (await modelsOn(secondPort)) === 200);
    writeFileSync(aigw.configPath, config([STEADY_MODEL], 'sk-second-key'));
    timings['listener removed'] = await until('the removed listener', async () => (await modelsOn(secondPort)) === 0);

    // 6. SIGHUP with nothing changed: said, nothing applied.
    const beforeHangup = aigw.stderr.length;
    process.kill(aigw.pid, 'SIGHUP');
    await stderrLine(/configuration unchanged \(SIGHUP\)/, 10_000, beforeHangup);

    await new Promise((resolve) => setTimeout(resolve, 1000));
  } finally {
    running = false;
    await Promise.all(load);
    keepAlive.destroy();
  }
  assert.deepEqual(failures, [], `${failures.length} of ${completed + failures.length} requests failed`);
  assert.ok(completed > 50, `only ${completed} requests completed`);
  assert.equal((await gatewayPids(aigw.pid)).envoy, envoyPid, 'the same Envoy process throughout');
  process.stderr.write(`hot reload: ${completed} requests, 0 failed; from file write to serving: ${JSON.stringify(timings)}\n`);
});
