/**
 * The test harness itself: startAigw recovers when the listener port it picked is taken before
 * Envoy binds it (the free-then-bind race), instead of failing the test that asked for a gateway.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:net';
import { test } from 'node:test';
import { gatewayConfigYaml, startAigw } from '../support/aigw-process.js';

test('a listener port taken before Envoy binds it: aigw says so, startAigw retries on another port', async () => {
  const blockers: Server[] = [];
  const asked: number[] = [];
  try {
    const aigw = await startAigw({
      configYaml: (port) => {
        asked.push(port);
        // The first port is taken while aigw starts, as another process would take it.
        if (asked.length === 1) blockers.push(createServer().listen(port, '0.0.0.0'));
        return gatewayConfigYaml({ port, upstreamPort: 9, accessLog: false });
      },
    });
    try {
      assert.equal(asked.length, 2, `ports tried: ${asked.join(', ')}`);
      assert.equal(aigw.port, asked[1]);
      assert.notEqual(aigw.port, asked[0]);
      const response = await fetch(`http://127.0.0.1:${aigw.port}/v1/models`);
      assert.equal(response.status, 200);
    } finally {
      await aigw.stop();
    }
  } finally {
    await Promise.all(blockers.map((blocker) => new Promise<void>((resolve) => blocker.close(() => resolve()))));
  }
});
