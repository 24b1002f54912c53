/**
 * What a running gateway exposes locally: the admin server (and Envoy's admin) only on
 * 127.0.0.1 unless `--admin-address` widens it; the ext_proc and MCP proxy sockets private to
 * the user (0600 in a 0700 directory, also after an ext_proc restart); the run files holding
 * credentials the same.
 */
import assert from 'node:assert/strict';
import { readFile, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, gatewayConfigYaml, startAigw } from '../support/aigw-process.js';
import { gatewayPids } from '../support/process-tree.js';

const linuxOnly = process.platform !== 'linux' ? 'needs /proc (Linux)' : false;

/** An MCPRoute (to a server that is not there: the proxy starts anyway), so the MCP socket exists too. */
const MCP_DOCUMENTS: Record<string, unknown>[] = [
  {
    apiVersion: 'aigateway.envoyproxy.io/v1alpha1',
    kind: 'MCPRoute',
    metadata: { name: 'mcp', namespace: 'default' },
    spec: { parentRefs: [{ name: 'aigw-run', kind: 'Gateway', group: 'gateway.networking.k8s.io' }], path: '/mcp', backendRefs: [{ name: 'mcp-server', kind: 'Backend', group: 'gateway.envoyproxy.io', path: '/mcp' }] },
  },
  { apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'Backend', metadata: { name: 'mcp-server', namespace: 'default' }, spec: { endpoints: [{ ip: { address: '127.0.0.1', port: 9 } }] } },
];

/** Local addresses of the TCP sockets listening on `port` (from /proc/net/tcp and tcp6). */
async function listeningAddresses(port: number): Promise<string[]> {
  const addresses: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      const [hexAddress, hexPort] = (local ?? '').split(':');
      if (state !== '0A' || !hexAddress || Number.parseInt(hexPort ?? '', 16) !== port) continue; // 0A: LISTEN
      addresses.push(decodeAddress(hexAddress));
    }
  }
  return addresses;
}

function decodeAddress(hex: string): string {
  if (hex.length === 8) return [6, 4, 2, 0].map((at) => Number.parseInt(hex.slice(at, at + 2), 16)).join('.');
  return /^0+$/.test(hex) ? '::' : hex === '0000000000000000FFFF00000100007F' ? '::ffff:127.0.0.1' : `ipv6:${hex}`;
}

/** A non-loopback IPv4 address of this machine, if it has one. */
function externalAddress(): string | undefined {
  return Object.values(networkInterfaces())
    .flat()
    .find((entry) => entry !== undefined && entry.family === 'IPv4' && !entry.internal)?.address;
}

function canConnect(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 2000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

async function mode(path: string): Promise<string> {
  return ((await stat(path)).mode & 0o777).toString(8);
}

test('by default the listener and the admin servers listen on 127.0.0.1 only; sockets and run files are private to the user', { skip: linuxOnly }, async () => {
  const port = await freePort();
  const aigw = await startAigw({ configYaml: gatewayConfigYaml({ port, upstreamPort: 9, extraDocuments: MCP_DOCUMENTS }), captureStdout: false });
  try {
    assert.deepEqual(await listeningAddresses(port), ['127.0.0.1'], 'the Gateway listener (Envoy binds one socket: no SO_REUSEPORT)');
    assert.deepEqual(await listeningAddresses(aigw.adminPort), ['127.0.0.1']);
    const external = externalAddress();
    if (external) assert.equal(await canConnect(external, aigw.adminPort), false, `admin port reachable on ${external}`);
    const runtimeDir = join(aigw.tempDir, 'run', aigw.runId);
    const envoyAdmin = (await readFile(join(runtimeDir, 'admin-address.txt'), 'utf8')).trim();
    assert.match(envoyAdmin, /^127\.0\.0\.1:\d+$/, 'Envoy admin on loopback');

    const check = async (): Promise<void> => {
      assert.equal(await mode(runtimeDir), '700', runtimeDir);
      assert.equal(await mode(join(runtimeDir, 'extproc.sock')), '600', 'ext_proc socket');
      assert.equal(await mode(join(runtimeDir, 'mcp.sock')), '600', 'MCP proxy socket');
      const runDir = join(aigw.tempDir, 'state', 'runs', aigw.runId);
      assert.equal(await mode(runDir), '700', runDir);
      assert.equal(await mode(join(runDir, 'extproc-config.json')), '600', 'filter config (credentials)');
      assert.equal(await mode(join(runDir, 'envoy.json')), '600', 'Envoy bootstrap');
    };
    await check();
    // The restarted ext_proc binds the sockets again: still private.
    const pids = await gatewayPids(aigw.pid);
    process.kill(pids.extProc, 'SIGKILL');
    await gatewayPids(aigw.pid, { notExtProc: pids.extProc });
    const deadline = Date.now() + 10_000;
    while (!aigw.stderr.includes('the external processor is back')) {
      assert.ok(Date.now() < deadline, 'the ext_proc came back');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await check();
  } finally {
    await aigw.stop();
  }
});

test('--admin-address 0.0.0.0 widens the admin server (only it: Envoy admin stays on loopback)', { skip: linuxOnly }, async () => {
  const aigw = await startAigw({ configYaml: gatewayConfigYaml({ port: await freePort(), upstreamPort: 9 }), extraArgs: ['--admin-address', '0.0.0.0'], captureStdout: false });
  try {
    assert.deepEqual(await listeningAddresses(aigw.adminPort), ['0.0.0.0']);
    const external = externalAddress();
    if (external) assert.equal(await canConnect(external, aigw.adminPort), true, `admin port reachable on ${external}`);
    const envoyAdmin = (await readFile(join(aigw.tempDir, 'run', aigw.runId, 'admin-address.txt'), 'utf8')).trim();
    assert.match(envoyAdmin, /^127\.0\.0\.1:\d+$/);
  } finally {
    await aigw.stop();
  }
});
