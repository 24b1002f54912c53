/**
 * Slow, idle and numerous clients, and who can reach the gateway at all. Without a request
 * headers timeout, 300 connections trickling header bytes stayed open forever; idle connections
 * were kept for an hour; the listener bound 0.0.0.0, letting anyone on the network spend the
 * configured provider keys. Now header trickling ends after 10 s with a 408 (JSON), idle
 * connections and the connection count follow ClientTrafficPolicy, and listeners bind 127.0.0.1
 * unless the Gateway's spec.addresses or --listen-address say otherwise.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { networkInterfaces } from 'node:os';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { stringify } from 'yaml';
import { freePort, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { post } from '../support/fault-client.js';
import { faultHeaders, startFaultyUpstream, type FaultyUpstream } from '../support/faulty-upstream.js';
import { providerGatewayYaml } from '../support/provider-gateway-yaml.js';

const CHAT_PATH = '/v1/chat/completions';
const CHAT = { model: 'fault-model', messages: [{ role: 'user', content: 'hi' }] };
const CONNECTION_LIMIT = 350;
const IDLE_TIMEOUT_S = 3;
const STREAM_IDLE_S = 2;

let faulty: FaultyUpstream;
let aigw: AigwProcess;
let port: number;

const clientTrafficPolicy = (http: Record<string, string> = { idleTimeout: `${IDLE_TIMEOUT_S}s` }): string =>
  stringify({
    apiVersion: 'gateway.envoyproxy.io/v1alpha1',
    kind: 'ClientTrafficPolicy',
    metadata: { name: 'clients', namespace: 'default' },
    spec: {
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'aigw-run' }],
      connection: { connectionLimit: { value: CONNECTION_LIMIT } },
      timeout: { http },
    },
  });

before(async () => {
  faulty = await startFaultyUpstream();
  port = await freePort();
  aigw = await startAigw({ configYaml: `${providerGatewayYaml(port, [{ name: 'openai', schema: { name: 'OpenAI' }, port: faulty.port }])}---\n${clientTrafficPolicy()}` });
});

after(async () => {
  await aigw?.stop();
  await faulty?.close();
});

interface Watched {
  socket: Socket;
  received: string;
  /** Seconds from opening to the gateway closing it. */
  closed: Promise<number>;
}

/** Opens a raw connection and records what the gateway sends and when it closes it. */
function open(host = '127.0.0.1', targetPort = port): Promise<Watched> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect({ host, port: targetPort });
    const watched: Watched = {
      socket,
      received: '',
      closed: new Promise((done) => socket.once('close', () => done((performance.now() - started) / 1000))),
    };
    socket.setEncoding('utf8').on('data', (chunk: string) => (watched.received += chunk));
    socket.once('connect', () => resolve(watched));
    socket.once('error', reject);
  });
}

const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms))]);

describe('slow and idle clients', () => {
  test('300 connections trickling header bytes are ended after 10 s with a JSON 408, while others are served', { timeout: 60_000 }, async () => {
    const tricklers = await Promise.all(Array.from({ length: 300 }, () => open()));
    const timers = tricklers.map((trickler) => {
      trickler.socket.write(`POST ${CHAT_PATH} HTTP/1.1\r\nhost: localhost\r\n`);
      let sent = 0;
      return setInterval(() => trickler.socket.writable && trickler.socket.write(sent++ % 2 === 0 ? 'x-slow: ' : 'a\r\n'), 1000);
    });
    try {
      // Served meanwhile.
      const answer = await post(port, CHAT_PATH, 'openai', CHAT);
      assert.equal(answer.status, 200, answer.text);
      const seconds = await within(Promise.all(tricklers.map((trickler) => trickler.closed)), 20_000, 'closing every trickling connection');
      assert.ok(Math.max(...seconds) < 15 && Math.min(...seconds) >= 9, `closed after ${Math.min(...seconds)}–${Math.max(...seconds)} s`);
      const [first] = tricklers;
      assert.match(first?.received ?? '', /^HTTP\/1\.1 408 /);
      assert.match(first?.received ?? '', /"message":"the request headers did not arrive within 10s"/);
    } finally {
      for (const timer of timers) clearInterval(timer);
      for (const trickler of tricklers) trickler.socket.destroy();
    }
  });

  test(`an idle connection is closed after the ClientTrafficPolicy idleTimeout (${IDLE_TIMEOUT_S}s)`, { timeout: 30_000 }, async () => {
    const idle = await open();
    const seconds = await within(idle.closed, 10_000, 'closing the idle connection');
    assert.ok(seconds >= IDLE_TIMEOUT_S - 0.5 && seconds < IDLE_TIMEOUT_S + 3, `closed after ${seconds} s`);
  });

  test(`connections beyond the ClientTrafficPolicy connectionLimit (${CONNECTION_LIMIT}) are refused; the gateway serves again once they go`, { timeout: 60_000 }, async () => {
    const sockets = await Promise.all(Array.from({ length: CONNECTION_LIMIT + 30 }, () => open()));
    try {
      const early = await Promise.all(sockets.map((socket) => Promise.race([socket.closed, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 1000))])));
      const refused = early.filter((seconds) => seconds !== undefined).length;
      assert.ok(refused >= 25 && refused <= 35, `${refused} of ${sockets.length} connections were closed at once`);
    } finally {
      for (const socket of sockets) socket.socket.destroy();
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    const answer = await post(port, CHAT_PATH, 'openai', CHAT);
    assert.equal(answer.status, 200, answer.text);
  });
});

describe('a stream silent past the listener\'s stream idle timeout', () => {
  test(`ends with an error event naming the ClientTrafficPolicy streamIdleTimeout (${STREAM_IDLE_S}s), before Envoy would reset it`, { timeout: 30_000 }, async () => {
    const streamPort = await freePort();
    const gateway = await startAigw({
      configYaml: `${providerGatewayYaml(streamPort, [{ name: 'openai', schema: { name: 'OpenAI' }, port: faulty.port }])}---\n${clientTrafficPolicy({ streamIdleTimeout: `${STREAM_IDLE_S}s` })}`,
    });
    after(() => gateway.stop());
    const openai = new OpenAI({ baseURL: `http://127.0.0.1:${streamPort}/v1`, apiKey: 'unused', maxRetries: 0, timeout: 20_000 });
    const started = performance.now();
    const stream = await openai.chat.completions.create(
      { model: 'fault-model', messages: [{ role: 'user', content: 'hi' }], stream: true },
      { headers: { 'x-test-backend': 'openai', ...faultHeaders({ fault: 'slow-stream', delayMs: 6_000 }) } },
    );
    let chunks = 0;
    const error = await (async () => {
      try {
        for await (const chunk of stream) if (chunk) chunks++;
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    const seconds = (performance.now() - started) / 1000;
    assert.ok(error instanceof OpenAI.APIError, `the stream ended without an error (${chunks} chunks)`);
    assert.match(error.message, /sent nothing for 2s \(ClientTrafficPolicy timeout\.http\.streamIdleTimeout 2s\)/);
    assert.ok(seconds < STREAM_IDLE_S + 1.5, `ended after ${seconds} s`);
  });
});

describe('who can connect', () => {
  const external = Object.values(networkInterfaces())
    .flat()
    .find((address) => address && address.family === 'IPv4' && !address.internal)?.address;

  test('by default the listener is on loopback only', { skip: external ? false : 'this machine has no non-loopback IPv4 address' }, async () => {
    await assert.rejects(open(external), /ECONNREFUSED/);
    const answer = await post(port, CHAT_PATH, 'openai', CHAT);
    assert.equal(answer.status, 200);
  });

  test("--listen-address overrides, the Gateway's spec.addresses are honoured", { timeout: 60_000 }, async () => {
    const flagged = await startAigw({ configYaml: providerGatewayYaml(await freePort(), [{ name: 'openai', schema: { name: 'OpenAI' }, port: faulty.port }]), extraArgs: ['--listen-address', '127.0.0.2'] });
    const addressed = await startAigw({
      configYaml: providerGatewayYaml(await freePort(), [{ name: 'openai', schema: { name: 'OpenAI' }, port: faulty.port }]).replace('  gatewayClassName: aigw-run\n', '  gatewayClassName: aigw-run\n  addresses:\n    - type: IPAddress\n      value: 127.0.0.3\n'),
    });
    try {
      for (const [gateway, address] of [[flagged, '127.0.0.2'], [addressed, '127.0.0.3']] as const) {
        const gatewayPort = Number(/listening on http:\/\/localhost:(\d+)/.exec(gateway.stderr)?.[1]);
        await assert.rejects(open('127.0.0.1', gatewayPort), /ECONNREFUSED/);
        const reached = await open(address, gatewayPort);
        reached.socket.write(`POST ${CHAT_PATH} HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\nx-test-backend: openai\r\ncontent-length: ${JSON.stringify(CHAT).length}\r\n\r\n${JSON.stringify(CHAT)}`);
        await within(
          new Promise<void>((resolve) => reached.socket.on('data', () => /\r\n0\r\n\r\n$|"choices"/.test(reached.received) && resolve())),
          10_000,
          `an answer on ${address}`,
        );
        assert.match(reached.received, /^HTTP\/1\.1 200 /);
        reached.socket.destroy();
      }
    } finally {
      await flagged.stop();
      await addressed.stop();
    }
  });
});
