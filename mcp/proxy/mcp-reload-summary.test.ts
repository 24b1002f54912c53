import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeMcpReload, listChangedMethods, type McpRouteChange } from './mcp-reload-summary.js';

const unchanged: McpRouteChange = {
  route: 'default/a',
  backendsAdded: [],
  backendsRemoved: [],
  backendsChanged: [],
  toolSelectorsChanged: [],
  fieldsChanged: [],
  authRebuilt: false,
  notifications: [],
  streamsNotified: 0,
};
const ALL = ['notifications/tools/list_changed', 'notifications/prompts/list_changed', 'notifications/resources/list_changed'];

test('list_changed: every list when the backends change, tools alone for filters and authorization, none otherwise', () => {
  assert.deepEqual(listChangedMethods({ ...unchanged, backendsAdded: ['x'] }), ALL);
  assert.deepEqual(listChangedMethods({ ...unchanged, backendsRemoved: ['x'] }), ALL);
  assert.deepEqual(listChangedMethods({ ...unchanged, backendsChanged: ['x'] }), ALL);
  assert.deepEqual(listChangedMethods({ ...unchanged, fieldsChanged: ['backendSelector'] }), ALL);
  assert.deepEqual(listChangedMethods({ ...unchanged, toolSelectorsChanged: ['x'] }), ['notifications/tools/list_changed']);
  assert.deepEqual(listChangedMethods({ ...unchanged, fieldsChanged: ['authorization'] }), ['notifications/tools/list_changed']);
  assert.deepEqual(listChangedMethods({ ...unchanged, fieldsChanged: ['listeners', 'oauth'] }), []);
});

test('one log line', () => {
  assert.equal(describeMcpReload({ routesAdded: [], routesRemoved: [], routesChanged: [] }), 'MCP routes unchanged');
  assert.equal(
    describeMcpReload({
      routesAdded: ['default/b'],
      routesRemoved: ['default/c'],
      routesChanged: [{ ...unchanged, backendsAdded: ['x'], backendsRemoved: ['y'], backendsChanged: ['z'], toolSelectorsChanged: ['w'], fieldsChanged: ['authorization'], notifications: ['notifications/tools/list_changed'], streamsNotified: 2 }],
    }),
    'MCP routes: added default/b; removed default/c; changed default/a (backends +x -y ~z, toolSelector w, fields authorization, 2 streams notified)',
  );
});
