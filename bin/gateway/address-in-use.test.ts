import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import { addressInUseMessage, checkAddressFree, envoyBindConflict, envoyListenConflict, hostPort, isAddressInUse } from './address-in-use.js';
import { isAigwError } from '../../common/errors.js';

test('checkAddressFree: a port someone listens on is one clear RUN error naming the address; a free one passes', async () => {
  const busy = net.createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  const address = busy.address();
  assert.ok(address && typeof address === 'object');
  try {
    await assert.rejects(checkAddressFree('127.0.0.1', address.port, { name: 'the admin server', flag: '--admin-port' }), (error: unknown) => {
      assert.ok(isAigwError(error, 'RUN'));
      assert.equal(error.message, `address 127.0.0.1:${address.port} already in use (the admin server needs it): another aigw or program is serving it; choose another with --admin-port`);
      return true;
    });
    assert.equal(await isAddressInUse('127.0.0.1', address.port), true);
  } finally {
    await new Promise((resolve) => busy.close(resolve));
  }
  await checkAddressFree('127.0.0.1', address.port, { name: 'the Gateway listener' });
  assert.equal(await isAddressInUse('127.0.0.1', address.port), false);
});

test("envoyBindConflict: Envoy's fatal bind line, as it prints it", () => {
  const lines = [
    "[2026-12-06 01:57:25.207][6880][critical][main] [source/server/server.cc:453] error `cannot bind '0.0.0.0:18975': Address already in use` initializing config 'b.yaml'",
    "cannot bind '0.0.0.0:18975': Address already in use",
  ];
  assert.equal(envoyBindConflict(lines), '0.0.0.0:18975');
  assert.equal(envoyBindConflict(["cannot bind '[::]:1975': Address already in use"]), '[::]:1975');
  assert.equal(envoyBindConflict(["cannot bind '0.0.0.0:80': Permission denied"]), undefined);
  assert.equal(hostPort('::1', 1975), '[::1]:1975');
  assert.match(addressInUseMessage('0.0.0.0:1975', { name: 'the Gateway listener' }), /^address 0\.0\.0\.0:1975 already in use \(the Gateway listener needs it\): another aigw or program is serving it$/);
});

test("envoyListenConflict: the listen() that lost to another process's (Envoy logs it and goes LIVE without the listener)", () => {
  const line = "[2026-12-06 08:06:07.478][2728][error][config] [source/common/listener_manager/listener_manager_impl.cc:818] final pre-worker listener init for listener 'default/aigw-run/http' failed: cannot listen() errno=98";
  assert.equal(envoyListenConflict(['something else', line]), true);
  assert.equal(envoyListenConflict([line.replace('errno=98', 'errno=13')]), false, 'another errno is not a taken port');
  assert.equal(envoyListenConflict([line.replace('errno=98', 'errno=985')]), false);
  assert.equal(envoyListenConflict([]), false);
});
