import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { bridgeBootstrap, CDS_FILE, LDS_FILE, splitBootstrap, writeXdsFiles } from './file-xds.js';

const HCM = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

function listener(name: string, routeName: string | undefined): object {
  return {
    name,
    address: { socket_address: { address: '127.0.0.1', port_value: 1975 } },
    filter_chains: [
      {
        filters: [
          { name: 'envoy.filters.network.connection_limit', typed_config: { '@type': 'x', max_connections: 1 } },
          {
            name: 'envoy.filters.network.http_connection_manager',
            typed_config: { '@type': HCM, stat_prefix: name, route_config: { ...(routeName !== undefined ? { name: routeName } : {}), virtual_hosts: [{ name: 'v', domains: ['*'] }] } },
          },
        ],
      },
    ],
  };
}

const COMPILED = {
  node: { id: 'aigw' },
  admin: { address: {} },
  static_resources: {
    listeners: [listener('default/gw/http', 'default/gw/http'), listener('default/gw2/http', 'default/gw/http'), listener('default/gw3/http', undefined)],
    clusters: [{ name: 'aigw-extproc', type: 'STATIC' }, { name: 'default/b', type: 'STRICT_DNS' }],
  },
};

test('splitBootstrap keeps the bootstrap but its static resources, and points dynamic_resources at the files', () => {
  const { bootstrap } = splitBootstrap(COMPILED, '/run/xds', 'v1');
  assert.deepEqual(Object.keys(bootstrap).sort(), ['admin', 'dynamic_resources', 'node']);
  assert.deepEqual(bootstrap.dynamic_resources, {
    lds_config: { path_config_source: { path: '/run/xds/lds.json', watched_directory: { path: '/run/xds' } }, resource_api_version: 'V3' },
    cds_config: { path_config_source: { path: '/run/xds/cds.json', watched_directory: { path: '/run/xds' } }, resource_api_version: 'V3' },
  });
});

test('splitBootstrap moves listeners, clusters and each inline route config (names made unique) into DiscoveryResponse files', () => {
  const { files } = splitBootstrap(COMPILED, '/run/xds', 'v1');
  const rds = [...files.keys()].filter((name) => name.startsWith('rds-'));
  assert.equal(rds.length, 3);
  assert.ok(rds.every((name) => /^rds-[0-9a-f]{16}\.json$/.test(name)), rds.join());
  assert.deepEqual([...files.keys()], [CDS_FILE, ...rds, LDS_FILE]);
  const cds = files.get(CDS_FILE);
  assert.equal(cds?.version_info, 'v1');
  assert.deepEqual(cds?.resources, [
    { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: 'aigw-extproc', type: 'STATIC' },
    { '@type': 'type.googleapis.com/envoy.config.cluster.v3.Cluster', name: 'default/b', type: 'STRICT_DNS' },
  ]);
  const routeNames = rds.map((file) => {
    const resources = files.get(file)?.resources;
    const [route] = Array.isArray(resources) ? resources : [];
    return typeof route === 'object' && route !== null && !Array.isArray(route) ? route.name : undefined;
  });
  assert.deepEqual(routeNames, ['default/gw/http', 'default/gw/http#2', 'default/gw3/http']);
  const lds = JSON.stringify(files.get(LDS_FILE));
  assert.ok(!lds.includes('route_config"'), 'no inline route_config left');
  assert.match(lds, /"rds":\{"route_config_name":"default\/gw\/http#2","config_source":\{"path_config_source":\{"path":"\/run\/xds\/rds-[0-9a-f]{16}.json"/);
  // Named after the route configuration: the same file whatever listeners come before it.
  const alone = splitBootstrap({ static_resources: { listeners: [listener('default/gw3/http', undefined)] } }, '/run/xds', 'v1');
  assert.ok([...alone.files.keys()].some((name) => rds[2] === name));
  assert.match(lds, /"@type":"type.googleapis.com\/envoy.config.listener.v3.Listener","name":"default\/gw\/http"/);
  // Other network filters are left as they were.
  assert.match(lds, /"envoy.filters.network.connection_limit","typed_config":\{"@type":"x","max_connections":1\}/);
});

test('writeXdsFiles leaves only complete files, private to the user', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'aigw-xds-'));
  try {
    const { files } = splitBootstrap(COMPILED, dir, 'v1');
    await writeXdsFiles(dir, files);
    assert.deepEqual(readdirSync(dir).sort(), [...files.keys()].sort());
    for (const name of readdirSync(dir)) assert.equal(statSync(join(dir, name)).mode & 0o777, 0o600, name);
    const lds: unknown = JSON.parse(readFileSync(join(dir, LDS_FILE), 'utf8'));
    assert.deepEqual(lds, files.get(LDS_FILE));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('splitBootstrap refuses what is not a bootstrap object', () => {
  assert.throws(() => splitBootstrap([], '/d', 'v'), /not an object/);
});

test('bridgeBootstrap: the new configuration plus the clusters, listeners and routes the old one drops, the catch-all still last', () => {
  const route = (model: string): object => ({ match: { prefix: '/', headers: [{ name: 'x-ai-eg-route', string_match: { exact: model } }] }, route: { cluster: model } });
  const catchAll = { match: { prefix: '/' }, direct_response: { status: 404 } };
  const withRoutes = (name: string, routes: object[]): object => ({
    name,
    filter_chains: [{ filters: [{ name: 'hcm', typed_config: { '@type': HCM, route_config: { name, virtual_hosts: [{ name: 'v', domains: ['*'], routes }] } } }] }],
  });
  const old = { admin: {}, static_resources: { listeners: [withRoutes('a', [route('old'), route('kept'), catchAll]), withRoutes('gone', [catchAll])], clusters: [{ name: 'old' }, { name: 'kept', v: 1 }] } };
  const next = { admin: {}, static_resources: { listeners: [withRoutes('a', [route('kept'), route('new'), catchAll])], clusters: [{ name: 'kept', v: 2 }, { name: 'new' }] } };
  const bridge = bridgeBootstrap(old, next);
  assert.deepEqual(JSON.parse(JSON.stringify(bridge)), {
    admin: {},
    static_resources: {
      listeners: [withRoutes('a', [route('kept'), route('new'), route('old'), catchAll]), withRoutes('gone', [catchAll])],
      clusters: [{ name: 'kept', v: 2 }, { name: 'new' }, { name: 'old' }],
    },
  });
});
