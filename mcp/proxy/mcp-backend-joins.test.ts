import assert from 'node:assert/strict';
import { test } from 'node:test';
import { McpBackendClient } from './mcp-backend-client.js';
import { BackendJoins } from './mcp-backend-joins.js';
import type { BackendRuntime } from './mcp-exchange.js';
import type { McpBackendSession } from './mcp-session.js';

function runtime(name: string, since: number): BackendRuntime {
  const config = { name, url: 'http://127.0.0.1:1/mcp', headers: [], forwardHeaders: [] };
  return { config, client: new McpBackendClient(config), selector: () => true, since };
}

test('one join per (session, backend, epoch of the backend), shared by concurrent requests; forget and the bound', async () => {
  const joins = new BackendJoins(2);
  let started = 0;
  const start = (sessionId: string) => (): Promise<McpBackendSession | undefined> => {
    started++;
    return Promise.resolve({ backend: 'gamma', sessionId, capabilities: 1 });
  };
  const gamma = runtime('gamma', 1);
  const [a, b] = await Promise.all([joins.join('s1', gamma, start('g1')), joins.join('s1', gamma, start('g2'))]);
  assert.equal(started, 1);
  assert.equal(a?.sessionId, 'g1');
  assert.equal(b?.sessionId, 'g1');
  assert.equal((await joins.joined('s1', gamma))?.sessionId, 'g1');
  assert.equal(joins.joined('s2', gamma), undefined);
  // gamma changed again (a later epoch): joined anew.
  const changed = runtime('gamma', 2);
  assert.equal((await joins.join('s1', changed, start('g3')))?.sessionId, 'g3');
  assert.equal(started, 2);
  // Bounded at 2: the least recently used (s1's join of gamma as it was at epoch 1) goes.
  await joins.join('s2', gamma, start('g4'));
  assert.equal(joins.joined('s1', gamma), undefined);
  assert.ok(joins.joined('s1', changed));
  joins.forget('s1');
  assert.equal(joins.joined('s1', changed), undefined);
  assert.ok(joins.joined('s2', gamma));
  gamma.client.close();
  changed.client.close();
});

test('the client of a session: kept for later joins, forgotten with the session, bounded', () => {
  const joins = new BackendJoins(2);
  const client = (name: string) => ({ capabilities: { sampling: {} }, clientInfo: { name } });
  joins.rememberClient('s1', client('one'));
  joins.rememberClient('s2', client('two'));
  assert.deepEqual(joins.clientOf('s1'), client('one'));
  // s1 was used last: s2 is the one to go.
  joins.rememberClient('s3', client('three'));
  assert.equal(joins.clientOf('s2'), undefined);
  assert.deepEqual(joins.clientOf('s1'), client('one'));
  joins.forget('s1');
  assert.equal(joins.clientOf('s1'), undefined);
  assert.deepEqual(joins.clientOf('s3'), client('three'));
});
