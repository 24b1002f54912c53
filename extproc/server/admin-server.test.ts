import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { startAdminServer } from './admin-server.js';

async function get(server: http.Server, path: string): Promise<{ status: number; body: string }> {
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  const response = await fetch(`http://127.0.0.1:${address.port}${path}`);
  return { status: response.status, body: await response.text() };
}

test('/health is 200 only when the ext_proc serves and Envoy reports ready', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aigw-admin-'));
  const addressFile = join(dir, 'admin-address.txt');
  let ready = 'PRE_INITIALIZING';
  const envoyAdmin = http.createServer((_request, response) => {
    response.writeHead(ready === 'LIVE' ? 200 : 503);
    response.end(`${ready}\n`);
  });
  await new Promise<void>((resolve) => envoyAdmin.listen(0, '127.0.0.1', resolve));
  let serving = true;
  const admin = await startAdminServer({ port: 0, host: '127.0.0.1', registry: new Registry(), extProcServing: () => serving, envoyAdminAddressFile: addressFile });
  try {
    assert.deepEqual(await get(admin, '/health'), { status: 503, body: 'envoy is not started yet\n' });
    const envoyAddress = envoyAdmin.address();
    assert.ok(envoyAddress && typeof envoyAddress === 'object');
    writeFileSync(addressFile, `127.0.0.1:${envoyAddress.port}`);
    assert.equal((await get(admin, '/health')).status, 503);
    ready = 'LIVE';
    assert.deepEqual(await get(admin, '/health'), { status: 200, body: 'OK\n' });
    serving = false;
    assert.deepEqual(await get(admin, '/health'), { status: 503, body: 'ext_proc is not serving\n' });
    assert.equal((await get(admin, '/nope')).status, 404);
  } finally {
    admin.close();
    envoyAdmin.close();
  }
});

test('/metrics serves the registry in Prometheus text format', async () => {
  const registry = new Registry();
  const admin = await startAdminServer({ port: 0, host: '127.0.0.1', registry, extProcServing: () => true });
  try {
    const { status, body } = await get(admin, '/metrics');
    assert.equal(status, 200);
    assert.equal(body, await registry.metrics());
  } finally {
    admin.close();
  }
});
