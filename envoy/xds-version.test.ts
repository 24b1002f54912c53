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
