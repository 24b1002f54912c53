/**
 * The client goes away mid-stream (or while the provider is still thinking): the gateway must
 * cancel the upstream request at once and keep nothing behind. Checked through the real gateway:
 * the provider sees its connection closed within a second of the client's abort, and after many
 * such aborts Envoy's active requests and upstream connections, the ext_proc's gRPC streams and
 * open file descriptors are back at their baseline, and the ext_proc's memory has not grown
 * without bound.
 */
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { awsCredentialsFile, type AwsTestCredentials } from '../support/fake-bedrock.js';
import { envoyAdminAddress, envoyStatSum } from '../support/envoy-stats.js';
import { faultHeaders, startFaultyUpstream, type FaultSpec, type FaultyRequest, type FaultyUpstream } from '../support/faulty-upstream.js';
import { gatewayPids, rssBytes } from '../support/process-tree.js';
import { BACKEND_SELECTOR_HEADER, providerGatewayYaml } from '../support/provider-gateway-yaml.js';

const linuxOnly = process.platform !== 'linux' ? 'needs /proc (Linux)' : false;
const AWS: AwsTestCredentials = { accessKeyId: 'AKIAFAULTTEST', secretAccessKey: 'fault-secret', region: 'us-east-1' };
/** How soon after the client's abort the provider must see its request closed. */
const CANCEL_WITHIN_MS = 1_000;
/** Backends of every kind of stream handling: pass-through, SSE translated, AWS event stream translated. */
const BACKENDS = ['openai', 'anthropic', 'bedrock'] as const;

let upstream: FaultyUpstream;
let aigw: AigwProcess;
let port: number;
let admin: string;

before(async () => {
  upstream = await startFaultyUpstream({ fault: 'stream-forever' });
  port = await freePort();
  aigw = await startAigw({
    configYaml: providerGatewayYaml(port, [
      { name: 'openai', schema: { name: 'OpenAI' }, port: upstream.port },
      { name: 'anthropic', schema: { name: 'Anthropic' }, port: upstream.port },
      {
        name: 'bedrock',
        schema: { name: 'AWSBedrock' },
        port: upstream.port,
        fqdn: true,
        security: { type: 'AWSCredentials', awsCredentials: { region: AWS.region, credentialsFile: { secretRef: { name: 'aws-credentials' } } } },
        secrets: { 'aws-credentials': { credentials: awsCredentialsFile(AWS) } },
      },
    ]),
  });
  admin = await envoyAdminAddress(aigw);
});

after(async () => {
  await aigw?.stop();
  await upstream?.close();
});

/**
 * Starts a streamed chat completion, reads `chunks` body chunks (0: only the headers, or not even
 * those when the provider hangs), aborts, and returns how long the provider took to see it.
 */
async function abortMidStream(backend: string, options: { chunks?: number; fault?: FaultSpec } = {}): Promise<number> {
  const controller = new AbortController();
  const arrived = upstream.nextRequest();
  const responding = fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    signal: controller.signal,
    headers: { 'content-type': 'application/json', [BACKEND_SELECTOR_HEADER]: backend, ...(options.fault ? faultHeaders(options.fault) : {}) },
    body: JSON.stringify({ model: 'fault-model', messages: [{ role: 'user', content: 'go on forever' }], stream: true }),
  });
  const request: FaultyRequest = await arrived;
  const chunks = options.chunks ?? 2;
  if (chunks > 0) {
    const response = await responding;
    assert.equal(response.status, 200);
    const reader = response.body?.getReader();
    assert.ok(reader);
    for (let read = 0; read < chunks; read++) assert.equal((await reader.read()).done, false);
  } else {
    responding.catch(() => undefined);
  }
  const abortedAt = performance.now();
  controller.abort();
  const closed = await Promise.race([request.done.then(() => true), sleep(CANCEL_WITHIN_MS * 3).then(() => false)]);
  assert.ok(closed && request.abortedAt !== undefined, `${backend}: the provider's request is still open ${CANCEL_WITHIN_MS * 3} ms after the client left`);
  return request.abortedAt - abortedAt;
}

/** Active downstream requests, active upstream requests and connections (backends and ext_proc streams). */
async function activity(): Promise<{ downstreamRequests: number; upstreamRequests: number; backendConnections: number }> {
  const [downstreamRequests, upstreamRequests, backendConnections] = await Promise.all([
    envoyStatSum(admin, '^http\\.default_aigw-run_http\\.downstream_rq_active$'),
    envoyStatSum(admin, '^cluster\\..*\\.upstream_rq_active$'),
    envoyStatSum(admin, '^cluster\\.default/.*\\.upstream_cx_active$'),
  ]);
  return { downstreamRequests, upstreamRequests, backendConnections };
}

/** Polls until `check` passes (or fails with its last assertion after `timeoutMs`). */
async function eventually(check: () => Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (performance.now() > deadline) throw error;
      await sleep(100);
    }
  }
}

async function openFds(pid: number): Promise<number> {
  return (await readdir(`/proc/${pid}/fd`)).length;
}

test('a client abort mid-stream closes the provider request within a second, for every kind of stream', async () => {
  for (const backend of BACKENDS) {
    const ms = await abortMidStream(backend);
    assert.ok(ms < CANCEL_WITHIN_MS, `${backend}: the provider saw the abort after ${Math.round(ms)} ms`);
  }
});

test('a client abort before the provider answered closes the provider request too', async () => {
  const ms = await abortMidStream('openai', { chunks: 0, fault: { fault: 'hang' } });
  assert.ok(ms < CANCEL_WITHIN_MS, `the provider saw the abort after ${Math.round(ms)} ms`);
});

test('after many aborts nothing is left: Envoy requests and connections, ext_proc streams and descriptors at baseline, memory bounded', { skip: linuxOnly }, async () => {
  const { extProc } = await gatewayPids(aigw.pid);
  // Warm up (code paths, pools), then take the baseline at rest.
  await Promise.all(BACKENDS.map((backend) => abortMidStream(backend)));
  await eventually(async () => assert.deepEqual(await activity(), { downstreamRequests: 0, upstreamRequests: 0, backendConnections: 0 }));
  const baselineFds = await openFds(extProc);
  const rssBefore = await rssBytes(extProc);
  assert.ok(rssBefore !== undefined);

  const rounds = 10;
  for (let round = 0; round < rounds; round++) {
    // Three concurrent aborted streams per round, one of each kind.
    const delays = await Promise.all(BACKENDS.map((backend) => abortMidStream(backend)));
    for (const ms of delays) assert.ok(ms < CANCEL_WITHIN_MS, `round ${round}: the provider saw an abort after ${Math.round(ms)} ms`);
  }

  await eventually(async () => {
    assert.deepEqual(await activity(), { downstreamRequests: 0, upstreamRequests: 0, backendConnections: 0 }, 'Envoy still holds requests or provider connections');
    assert.equal(upstream.openSockets, 0, 'the provider still has open connections');
    assert.ok((await openFds(extProc)) <= baselineFds + 2, `ext_proc descriptors: ${await openFds(extProc)}, baseline ${baselineFds}`);
  });
  const rssAfter = await rssBytes(extProc);
  assert.ok(rssAfter !== undefined);
  // Coarse: 30 aborted streams must not cost the ext_proc more than a few tens of MB.
  assert.ok(rssAfter - rssBefore < 40 * 1024 * 1024, `ext_proc RSS grew from ${Math.round(rssBefore / 1e6)} MB to ${Math.round(rssAfter / 1e6)} MB`);
});
