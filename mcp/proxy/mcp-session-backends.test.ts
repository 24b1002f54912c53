import assert from 'node:assert/strict';
import { test } from 'node:test';
import { McpBackendClient } from './mcp-backend-client.js';
import type { BackendRuntime, RouteRuntime } from './mcp-exchange.js';
import { OPEN_ROUTE } from '../auth/mcp-route-auth.js';
import { planSessionBackends } from './mcp-session-backends.js';
import type { McpSession } from './mcp-session.js';

const clients: McpBackendClient[] = [];

function runtime(name: string, since: number): BackendRuntime {
  const config = { name, url: 'http://127.0.0.1:1/mcp', headers: [], forwardHeaders: [] };
  const client = new McpBackendClient(config);
  clients.push(client);
  return { config, client, selector: () => true, since };
}

function routeWith(backends: BackendRuntime[], selectorSince = 0): RouteRuntime {
  return { config: { name: 'default/r', path: '/mcp', listeners: [], hostnames: [], backends: backends.map((entry) => entry.config) }, auth: OPEN_ROUTE, backends: new Map(backends.map((entry) => [entry.config.name, entry])), selectorSince };
}

const stored: McpSession = {
  route: 'default/r',
  subject: '',
  backends: [
    { backend: 'alpha', sessionId: 'a1', capabilities: 1 },
    { backend: 'beta', sessionId: 'b1', capabilities: 1 },
    { backend: 'removed', sessionId: 'r1', capabilities: 1 },
  ],
};
const all = (): boolean => true;
const names = (plan: { kept: { backend: string }[]; join: BackendRuntime[] }): { kept: string[]; join: string[] } => ({
  kept: plan.kept.map((entry) => entry.backend),
  join: plan.join.map((entry) => entry.config.name),
});

test('a session keeps the backends unchanged since it was made and joins the ones added or changed after', () => {
  // Made in epoch 2: beta changed in epoch 3, gamma added in 3, delta there since 1 (down at initialize).
  const route = routeWith([runtime('alpha', 0), runtime('beta', 3), runtime('gamma', 3), runtime('delta', 1)]);
  assert.deepEqual(names(planSessionBackends(route, stored, 2, all)), { kept: ['alpha'], join: ['beta', 'gamma'] });
  // Made in epoch 3 or later: everything is as it was.
  assert.deepEqual(names(planSessionBackends(route, stored, 3, all)), { kept: ['alpha', 'beta'], join: [] });
  // Kept entries are the stored objects themselves (resumable streams rely on it).
  assert.equal(planSessionBackends(route, stored, 3, all).kept[0], stored.backends[0]);
  // The backendSelector is honoured for joins.
  assert.deepEqual(names(planSessionBackends(route, stored, 2, (name) => name !== 'gamma')), { kept: ['alpha'], join: ['beta'] });
});

test('a session of unknown epoch is taken as current; a backendSelector changed since re-selects', () => {
  const route = routeWith([runtime('alpha', 0), runtime('beta', 5), runtime('delta', 0)]);
  assert.deepEqual(names(planSessionBackends(route, stored, undefined, all)), { kept: ['alpha', 'beta'], join: [] });
  const reselected = routeWith([runtime('alpha', 0), runtime('beta', 0), runtime('delta', 0)], 4);
  assert.deepEqual(names(planSessionBackends(reselected, stored, 2, (name) => name !== 'alpha')), { kept: ['beta'], join: ['delta'] });
  assert.deepEqual(names(planSessionBackends(reselected, stored, 4, (name) => name !== 'alpha')), { kept: ['alpha', 'beta'], join: [] });
  for (const client of clients) client.close();
});
