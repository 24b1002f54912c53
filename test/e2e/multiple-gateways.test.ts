/**
 * Several Gateways in one file: each listener serves only the routes attached to it (parentRefs,
 * sectionName), with its own model list.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freePort, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai-upstream.js';

let upstream: FakeOpenAI;
let aigw: AigwProcess;
let portA: number;
let portB: number;
let portB2: number;

function gateway(name: string, listeners: { name: string; port: number }[]): string {
  return `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: ${name}
spec:
  gatewayClassName: aigw
  listeners:
${listeners.map((listener) => `    - name: ${listener.name}\n      protocol: HTTP\n      port: ${listener.port}`).join('\n')}
---
`;
}

function route(name: string, parent: string, model: string, sectionName?: string): string {
  return `apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata:
  name: ${name}
spec:
  parentRefs:
    - name: ${parent}${sectionName ? `\n      sectionName: ${sectionName}` : ''}
  rules:
    - matches:
        - headers:
            - type: Exact
              name: x-ai-eg-model
              value: ${model}
      backendRefs:
        - name: upstream
---
`;
}

before(async () => {
  upstream = await startFakeOpenAI();
  [portA, portB, portB2] = [await freePort(), await freePort(), await freePort()];
  const yaml = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: aigw
spec:
  controllerName: gateway.envoyproxy.io/gatewayclass-controller
---
${gateway('gw-a', [{ name: 'http', port: portA }])}${gateway('gw-b', [{ name: 'one', port: portB }, { name: 'two', port: portB2 }])}${route('route-a', 'gw-a', 'model-a')}${route('route-b', 'gw-b', 'model-b', 'two')}apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata:
  name: upstream
spec:
  schema:
    name: OpenAI
  backendRef:
    name: upstream
    kind: Backend
    group: gateway.envoyproxy.io
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata:
  name: upstream
spec:
  endpoints:
    - ip:
        address: 127.0.0.1
        port: ${upstream.port}
`;
  aigw = await startAigw({ configYaml: yaml });
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
});

async function chat(port: number, model: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [] }),
  });
  await response.arrayBuffer();
  return response.status;
}

async function models(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/v1/models`)).text();
}

test('each listener routes only the models of the routes attached to it', async () => {
  assert.equal(await chat(portA, 'model-a'), 200);
  assert.equal(await chat(portA, 'model-b'), 404);
  assert.equal(await chat(portB2, 'model-b'), 200);
  assert.equal(await chat(portB2, 'model-a'), 404);
  assert.equal(await chat(portB, 'model-b'), 404, 'sectionName: two only');
});

test('/v1/models lists the models of the listener', async () => {
  assert.match(await models(portA), /"model-a"/);
  assert.doesNotMatch(await models(portA), /"model-b"/);
  assert.match(await models(portB2), /"model-b"/);
  assert.doesNotMatch(await models(portB), /"model-/);
});
