import assert from 'node:assert/strict';
import { test } from 'node:test';
import { servesVersion } from './xds-version.js';

const dump = (clusters: string, listeners: string, routes: string[], warming = false): unknown => ({
  configs: [
    { '@type': 'type.googleapis.com/envoy.admin.v3.BootstrapConfigDump' },
    { '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump', version_info: clusters },
    { '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump', version_info: listeners, dynamic_listeners: [{ name: 'l', active_state: { version_info: 'v0' }, ...(warming ? { warming_state: {} } : {}) }] },
    { '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump', dynamic_route_configs: routes.map((version) => ({ version_info: version })) },
  ],
});

test('servesVersion: clusters, listeners (none warming) and every route configuration at the version', () => {
  assert.equal(servesVersion(dump('v1', 'v1', ['v1', 'v1']), 'v1'), true);
  assert.equal(servesVersion(dump('v1', 'v1', ['v1', 'v0']), 'v1'), false);
  assert.equal(servesVersion(dump('v0', 'v1', ['v1']), 'v1'), false);
  assert.equal(servesVersion(dump('v1', 'v0', ['v1']), 'v1'), false);
  assert.equal(servesVersion(dump('v1', 'v1', ['v1'], true), 'v1'), false);
  assert.equal(servesVersion({}, 'v1'), false);
  assert.equal(servesVersion('nonsense', 'v1'), false);
});

test('servesVersion with the changes of a write: only what changed must show the version', () => {
  const routeDump = (version: string): unknown => ({
    configs: [
      { '@type': 'type.googleapis.com/envoy.admin.v3.ClustersConfigDump', version_info: 'v0' },
      { '@type': 'type.googleapis.com/envoy.admin.v3.ListenersConfigDump', version_info: 'v0', dynamic_listeners: [] },
      { '@type': 'type.googleapis.com/envoy.admin.v3.RoutesConfigDump', dynamic_route_configs: [{ version_info: version, route_config: { name: 'r' } }, { version_info: 'v0', route_config: { name: 'other' } }] },
    ],
  });
  const onlyRoute = { clusters: false, listeners: false, routes: new Set(['r']) };
  assert.equal(servesVersion(routeDump('v1'), 'v1', onlyRoute), true, 'unchanged listeners keep their version');
  assert.equal(servesVersion(routeDump('v0'), 'v1', onlyRoute), false);
  assert.equal(servesVersion(routeDump('v1'), 'v1', { ...onlyRoute, routes: new Set(['r', 'new']) }), false, 'a new route configuration not there yet');
  assert.equal(servesVersion(routeDump('v1'), 'v1', { ...onlyRoute, clusters: true }), false);
});
