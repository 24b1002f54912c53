import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../common/logger.js';
import type { McpBackendConfig, McpConfig, McpRouteConfig } from '../../contract/mcp-config.js';
import { type McpRouteAuth, OPEN_ROUTE } from '../auth/mcp-route-auth.js';
import type { RouteRuntime } from './mcp-exchange.js';
import { buildRouteRuntimes } from './mcp-route-runtimes.js';

const logger = createLogger('error', () => undefined);

function backend(name: string, extra: Partial<McpBackendConfig> = {}): McpBackendConfig {
  return { name, url: `http://${name}.test/mcp`, headers: [], forwardHeaders: [], ...extra };
}

function route(name: string, backends: McpBackendConfig[], extra: Partial<McpRouteConfig> = {}): McpRouteConfig {
  return { name, path: '/mcp', listeners: ['default/gw/http'], hostnames: [], backends, ...extra };
}

/** authFor that hands out a distinct auth per call and records the routes it was asked for. */
function recordingAuth(): { authFor: (route: McpRouteConfig) => McpRouteAuth; asked: string[] } {
  const asked: string[] = [];
  const authFor = (config: McpRouteConfig): McpRouteAuth => {
    asked.push(config.name);
    return { ...OPEN_ROUTE };
  };
  return { asked, authFor };
}

function routeOf(routes: Map<string, RouteRuntime>, name: string): RouteRuntime {
  const runtime = routes.get(name);
  assert.ok(runtime, name);
  return runtime;
}

function closeAll(...maps: Map<string, RouteRuntime>[]): void {
  for (const routes of maps) for (const runtime of routes.values()) for (const entry of runtime.backends.values()) entry.client.close();
}

test('keeps what did not change: route runtimes, backend runtimes and clients, route auth; dates what changed', () => {
  const { authFor, asked } = recordingAuth();
  const v1: McpConfig = {
    routes: [
      route('default/a', [backend('alpha'), backend('beta'), backend('gone')]),
      route('default/same', [backend('alpha')]),
      route('default/removed', [backend('alpha')]),
    ],
  };
  const first = buildRouteRuntimes(v1, new Map(), { authFor, logger, epoch: 0 });
  assert.deepEqual(first.summary.routesAdded, ['default/a', 'default/same', 'default/removed']);
  assert.deepEqual(asked, ['default/a', 'default/same', 'default/removed']);
  const a1 = routeOf(first.routes, 'default/a');

  const v2: McpConfig = {
    routes: [
      route('default/a', [backend('alpha'), backend('beta', { toolSelector: { include: ['x'] } }), backend('gone', { url: 'http://elsewhere.test/mcp' }), backend('new')], {
        listeners: ['default/gw/other'],
      }),
      route('default/same', [backend('alpha')]),
      route('default/added', [backend('alpha')]),
    ],
  };
  asked.length = 0;
  const second = buildRouteRuntimes(v2, first.routes, { authFor, logger, epoch: 1 });
  // Listeners are not the security's business: only the new route's auth is built.
  assert.deepEqual(asked, ['default/added']);
  assert.deepEqual(second.summary, {
    routesAdded: ['default/added'],
    routesRemoved: ['default/removed'],
    routesChanged: [
      {
        route: 'default/a',
        backendsAdded: ['new'],
        backendsRemoved: [],
        backendsChanged: ['gone'],
        toolSelectorsChanged: ['beta'],
        fieldsChanged: ['listeners'],
        authRebuilt: false,
        notifications: ['notifications/tools/list_changed', 'notifications/prompts/list_changed', 'notifications/resources/list_changed'],
        streamsNotified: 0,
      },
    ],
  });
  assert.equal(routeOf(second.routes, 'default/same'), routeOf(first.routes, 'default/same'));
  const a2 = routeOf(second.routes, 'default/a');
  assert.notEqual(a2, a1);
  assert.equal(a2.auth, a1.auth);
  assert.equal(a2.backends.get('alpha'), a1.backends.get('alpha'));
  // toolSelector only: same client and epoch, a new selector.
  assert.equal(a2.backends.get('beta')?.client, a1.backends.get('beta')?.client);
  assert.equal(a2.backends.get('beta')?.since, 0);
  assert.equal(a2.backends.get('beta')?.selector('y'), false);
  // Connection settings changed, or new: a new client, dated with the new epoch.
  assert.notEqual(a2.backends.get('gone')?.client, a1.backends.get('gone')?.client);
  assert.equal(a2.backends.get('gone')?.since, 1);
  assert.equal(a2.backends.get('new')?.since, 1);
  assert.equal(a2.selectorSince, 0);
  // Retired: the changed backend's old client and the removed route's.
  const removed = routeOf(first.routes, 'default/removed').backends.get('alpha')?.client;
  assert.deepEqual(new Set(second.retired), new Set([a1.backends.get('gone')?.client, removed]));
  closeAll(first.routes, second.routes);
});

test('security changes: authFor is asked again, a backendSelector change dates the route, authorization asks for tools/list_changed', () => {
  const { authFor, asked } = recordingAuth();
  const rules = { defaultAction: 'Allow' as const, rules: [] };
  const first = buildRouteRuntimes({ routes: [route('default/a', [backend('alpha')]), route('default/b', [backend('alpha')])] }, new Map(), { authFor, logger, epoch: 0 });
  asked.length = 0;
  const second = buildRouteRuntimes(
    { routes: [route('default/a', [backend('alpha')], { authorization: rules }), route('default/b', [backend('alpha')], { backendSelector: rules })] },
    first.routes,
    { authFor, logger, epoch: 4 },
  );
  assert.deepEqual(asked, ['default/a', 'default/b']);
  assert.deepEqual(
    second.summary.routesChanged.map((change) => ({ route: change.route, fields: change.fieldsChanged, authRebuilt: change.authRebuilt, notifications: change.notifications })),
    [
      { route: 'default/a', fields: ['authorization'], authRebuilt: true, notifications: ['notifications/tools/list_changed'] },
      {
        route: 'default/b',
        fields: ['backendSelector'],
        authRebuilt: true,
        notifications: ['notifications/tools/list_changed', 'notifications/prompts/list_changed', 'notifications/resources/list_changed'],
      },
    ],
  );
  assert.equal(routeOf(second.routes, 'default/a').selectorSince, 0);
  assert.equal(routeOf(second.routes, 'default/b').selectorSince, 4);
  // The backends themselves did not change: same runtimes, nothing retired.
  assert.equal(routeOf(second.routes, 'default/a').backends.get('alpha'), routeOf(first.routes, 'default/a').backends.get('alpha'));
  assert.deepEqual(second.retired, []);
  closeAll(first.routes);
});

test('authFor throwing: the error reaches the caller before any runtime is built', () => {
  const first = buildRouteRuntimes({ routes: [route('default/a', [backend('alpha')])] }, new Map(), { authFor: () => OPEN_ROUTE, logger, epoch: 0 });
  const failing = (config: McpRouteConfig): McpRouteAuth => {
    throw new Error(`MCPRoute ${config.name}: bad rule`);
  };
  assert.throws(
    () => buildRouteRuntimes({ routes: [route('default/a', [backend('alpha'), backend('more')], { oauth: undefined, hostnames: ['x.test'] })] }, first.routes, { authFor: failing, logger, epoch: 1 }),
    /default\/a: bad rule/,
  );
  // Unchanged security: authFor is not asked at all, so it cannot fail.
  const kept = buildRouteRuntimes({ routes: [route('default/a', [backend('alpha'), backend('more')])] }, first.routes, { authFor: failing, logger, epoch: 1 });
  assert.deepEqual(kept.summary.routesChanged.map((change) => change.backendsAdded), [['more']]);
  closeAll(first.routes, kept.routes);
});
