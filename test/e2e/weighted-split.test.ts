/**
 * Weighted backendRefs: traffic splits in proportion to the weights (within 5 percentage
 * points over 1,000 requests).
 */
import assert from 'node:assert/strict';
import { Agent, request } from 'node:http';
import { after, before, test } from 'node:test';
import { freePort, gatewayConfigYaml, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { extraBackendYaml } from '../support/extra-backend-yaml.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';

let heavy: FakeOpenAI;
let light: FakeOpenAI;
let aigw: AigwProcess;
let port: number;

before(async () => {
  heavy = await startFakeOpenAI({ record: true });
  light = await startFakeOpenAI({ record: true });
  port = await freePort();
  const base = gatewayConfigYaml({ port, upstreamPort: heavy.port, models: ['gpt-4o-mini'], accessLog: false });
  const yaml = `${base.replace('      backendRefs:\n        - name: openai\n', '      backendRefs:\n        - name: openai\n          weight: 3\n        - name: light\n          weight: 1\n')}
${extraBackendYaml('light', light.port)}`;
  aigw = await startAigw({ configYaml: yaml });
});

after(async () => {
  await aigw?.stop();
  await heavy?.close();
  await light?.close();
});

test('1,000 requests split 3:1 by weight', async () => {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });
  const send = (): Promise<number> =>
    new Promise((resolve, reject) => {
      const outgoing = request({ host: '127.0.0.1', port, path: '/v1/chat/completions', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      });
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  const statuses: number[] = [];
  for (let batch = 0; batch < 125; batch++) statuses.push(...(await Promise.all(Array.from({ length: 8 }, send))));
  agent.destroy();
  assert.deepEqual([...new Set(statuses)], [200]);
  const share = heavy.requests.length / 1000;
  assert.equal(heavy.requests.length + light.requests.length, 1000);
  assert.ok(Math.abs(share - 0.75) <= 0.05, `heavy backend got ${heavy.requests.length} of 1000`);
});
