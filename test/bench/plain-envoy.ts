/**
 * The floor of any Envoy-based gateway for the bench: the same Envoy binary aigw runs, with one
 * listener and a static route to the fake upstream — no ext_proc, no access log, no filters but
 * the router — so "aigw / plain Envoy" says what aigw's own work costs.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { startEnvoy } from '../../envoy/start-envoy.js';
import { ENVOY_BINARY, ENVOY_BINARY_MISSING } from '../support/envoy-binary.js';
import { freePort } from '../support/free-port.js';

export interface PlainEnvoy {
  port: number;
  pid: number | undefined;
  stop(): Promise<void>;
}

export async function startPlainEnvoy(upstreamPort: number): Promise<PlainEnvoy> {
  if (ENVOY_BINARY_MISSING) throw new Error(`bench: the plain-Envoy row needs Envoy: ${ENVOY_BINARY_MISSING}`);
  const dir = await mkdtemp(join(tmpdir(), 'aigw-bench-envoy-'));
  const port = await freePort();
  const bootstrap = {
    static_resources: {
      listeners: [
        {
          name: 'plain',
          address: { socket_address: { address: '127.0.0.1', port_value: port } },
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                    stat_prefix: 'plain',
                    route_config: { virtual_hosts: [{ name: 'all', domains: ['*'], routes: [{ match: { prefix: '/' }, route: { cluster: 'upstream', timeout: '0s' } }] }] },
                    http_filters: [{ name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } }],
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: [
        {
          name: 'upstream',
          type: 'STATIC',
          connect_timeout: '5s',
          load_assignment: { cluster_name: 'upstream', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: upstreamPort } } } }] }] },
        },
      ],
    },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
  };
  const bootstrapPath = join(dir, 'envoy.json');
  await writeFile(bootstrapPath, JSON.stringify(bootstrap));
  const sink = new PassThrough();
  sink.resume();
  const envoy = await startEnvoy({
    binary: ENVOY_BINARY,
    bootstrapPath,
    adminAddressFile: join(dir, 'admin-address'),
    runId: 'bench-plain',
    logLevels: { default: 'error' },
    stdout: sink,
    stderr: sink,
  });
  return {
    port,
    pid: envoy.pid,
    stop: async () => {
      envoy.stop();
      await envoy.exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
