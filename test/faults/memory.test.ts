/**
 * Memory under load, through the real gateway. The ext_proc sat at 140–183 MiB under steady small
 * load; Envoy grew to 652 MiB on large bodies and never gave it back, with nothing bounding it.
 * Now the ext_proc stays within 150 MiB at 64 concurrent small requests, Envoy returns memory after
 * a burst of large bodies, and near its heap limit (--envoy-max-heap) it sheds load with JSON 503s
 * instead of growing without bound.
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { startUpstreamProcess, type UpstreamProcess } from '../bench/upstream-process.js';
import { freePort, gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { gatewayPids, rssBytes, type GatewayPids } from '../support/process-tree.js';

const skip = process.platform !== 'linux' ? 'needs /proc (Linux)' : false;
const MODEL = 'gpt-4o-mini';
const MiB = 1024 * 1024;
const SMALL = Buffer.from(JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'Say hello.' }] }));
const LARGE = Buffer.from(JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'x'.repeat(8 * MiB) }] }));

let upstream: UpstreamProcess;

before(async () => {
  upstream = await startUpstreamProcess();
});

after(async () => {
  await upstream?.stop();
});

interface Outcome {
  status: number;
  retryAfter?: string;
  contentType?: string;
  body: string;
}

function send(agent: Agent, port: number, body: Buffer): Promise<Outcome | Error> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/v1/chat/completions', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': body.length } });
    req.setTimeout(30_000, () => req.destroy(new Error('no answer in 30 s')));
    req.on('error', resolve);
    req.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      response.on('error', resolve);
      response.on('end', () =>
        resolve({
          status: response.statusCode ?? 0,
          body: text,
          ...(response.headers['retry-after'] !== undefined ? { retryAfter: String(response.headers['retry-after']) } : {}),
          ...(response.headers['content-type'] !== undefined ? { contentType: response.headers['content-type'] } : {}),
        }),
      );
    });
    req.end(body);
  });
}

/** `concurrency` clients sending `body` back to back for `seconds`; RSS of both processes sampled every 250 ms. */
async function load(port: number, pids: GatewayPids, body: Buffer, concurrency: number, seconds: number): Promise<{ outcomes: (Outcome | Error)[]; extProc: number[]; envoy: number[] }> {
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const outcomes: (Outcome | Error)[] = [];
  const extProc: number[] = [];
  const envoy: number[] = [];
  const sampler = setInterval(() => {
    void Promise.all([rssBytes(pids.extProc), rssBytes(pids.envoy)]).then(([e, v]) => {
      extProc.push(e ?? 0);
      envoy.push(v ?? 0);
    });
  }, 250);
  const end = performance.now() + seconds * 1000;
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) outcomes.push(await send(agent, port, body));
      }),
    );
  } finally {
    clearInterval(sampler);
    agent.destroy();
  }
  return { outcomes, extProc, envoy };
}

const mib = (bytes: number): string => `${(bytes / MiB).toFixed(1)} MiB`;

describe('default limits', { skip }, () => {
  let aigw: AigwProcess;
  let port: number;
  let pids: GatewayPids;

  before(async () => {
    port = await freePort();
    aigw = await startAigw({ configYaml: gatewayConfigYaml({ port, upstreamPort: upstream.port, models: [MODEL] }), captureStdout: false });
    pids = await gatewayPids(aigw.pid);
  });

  after(async () => {
    await aigw?.stop();
  });

  test('the ext_proc stays within 150 MiB at 64 concurrent small requests', { timeout: 60_000 }, async () => {
    await load(port, pids, SMALL, 64, 5); // warm-up: JIT, pools, connections
    const { outcomes, extProc } = await load(port, pids, SMALL, 64, 10);
    assert.ok(outcomes.length > 500 && outcomes.every((outcome) => !(outcome instanceof Error) && outcome.status === 200), 'every request succeeded');
    const steady = extProc.slice(Math.floor(extProc.length / 2));
    const mean = steady.reduce((sum, value) => sum + value, 0) / steady.length;
    assert.ok(mean <= 150 * MiB, `ext_proc RSS ${mib(mean)} at 64 concurrent requests (${outcomes.length} requests)`);
  });

  test('after a burst of 8 MiB bodies, Envoy gives memory back', { timeout: 90_000 }, async () => {
    const { outcomes, envoy } = await load(port, pids, LARGE, 16, 10);
    assert.ok(outcomes.every((outcome) => !(outcome instanceof Error) && outcome.status === 200), 'every large request succeeded under the default limit');
    const peak = Math.max(...envoy);
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    const settled = (await rssBytes(pids.envoy)) ?? 0;
    assert.ok(settled < peak * 0.8, `Envoy RSS ${mib(settled)} 15 s after a ${mib(peak)} peak`);
    const next = await send(new Agent(), port, SMALL);
    assert.ok(!(next instanceof Error) && next.status === 200);
  });
});

describe('near the heap limit', { skip }, () => {
  test('Envoy sheds load with JSON 503s and retry-after, then serves again', { timeout: 90_000 }, async () => {
    const port = await freePort();
    const aigw = await startAigw({ configYaml: gatewayConfigYaml({ port, upstreamPort: upstream.port, models: [MODEL] }), captureStdout: false, extraArgs: ['--envoy-max-heap', '128Mi'] });
    try {
      const pids = await gatewayPids(aigw.pid);
      const { outcomes } = await load(port, pids, LARGE, 32, 10);
      const answers = outcomes.filter((outcome): outcome is Outcome => !(outcome instanceof Error));
      const shed = answers.filter((answer) => answer.status === 503);
      assert.ok(shed.length > 0, `no request was shed (${answers.length} answers)`);
      for (const answer of answers.filter((a) => a.status !== 200)) {
        assert.equal(answer.status, 503, answer.body);
        assert.equal(answer.retryAfter, '1');
        assert.match(answer.contentType ?? '', /application\/json/);
        assert.match(answer.body, /"message":"the gateway is overloaded \(near Envoy's memory limit, --envoy-max-heap\); retry shortly"/);
      }
      // Streams holding the most memory may be reset outright (the overload manager's last resort);
      // the gateway itself keeps running and recovers.
      await new Promise((resolve) => setTimeout(resolve, 3000));
      const next = await send(new Agent(), port, SMALL);
      assert.ok(!(next instanceof Error) && next.status === 200, `after the burst: ${next instanceof Error ? next.message : next.status}`);
    } finally {
      await aigw.stop();
    }
  });
});
