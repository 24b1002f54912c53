/**
 * The service behind a real Envoy (the pinned binary, test/support/envoy-binary.ts): Envoy's
 * `envoy.filters.http.ratelimit` filter calls it over its Unix socket; an OVER_LIMIT answer is a
 * 429 with the `x-ratelimit-*` headers (DRAFT_VERSION_03) built from the statuses; a per-route
 * `hits_addend` reaches the service as the descriptor's own hits (the overlay proto's field 3),
 * including a cost charged when the stream is done and checked by the next request.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { Registry } from 'prom-client';
import { createLogger } from '../common/logger.js';
import { startEnvoy, type RunningEnvoy } from '../envoy/start-envoy.js';
import { ENVOY_BINARY, ENVOY_BINARY_MISSING } from '../test/support/envoy-binary.js';
import { freePort } from '../test/support/free-port.js';
import { startRateLimitService, type RunningRateLimitService } from './start-rate-limit-service.js';

const skip = ENVOY_BINARY_MISSING;
let dir: string;
let upstream: Server;
let service: RunningRateLimitService;
let envoy: RunningEnvoy | undefined;
let port: number;
const registry = new Registry();

function bootstrap(listenerPort: number, upstreamPort: number, socketPath: string): object {
  const generic = (key: string, value: string): object => ({ generic_key: { descriptor_key: key, descriptor_value: value } });
  return {
    static_resources: {
      listeners: [
        {
          name: 'l',
          address: { socket_address: { address: '127.0.0.1', port_value: listenerPort } },
          filter_chains: [
            {
              filters: [
                {
                  name: 'envoy.filters.network.http_connection_manager',
                  typed_config: {
                    '@type': 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                    stat_prefix: 'h',
                    route_config: {
                      virtual_hosts: [
                        {
                          name: 'v',
                          domains: ['*'],
                          routes: [
                            {
                              match: { prefix: '/requests' },
                              route: { cluster: 'upstream' },
                              typed_per_filter_config: {
                                'envoy.filters.http.ratelimit': {
                                  '@type': 'type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute',
                                  rate_limits: [{ actions: [generic('route', 'requests'), { request_headers: { header_name: 'x-tenant', descriptor_key: 'tenant' } }], hits_addend: { number: 2 } }],
                                },
                              },
                            },
                            {
                              match: { prefix: '/tokens' },
                              route: { cluster: 'upstream' },
                              typed_per_filter_config: {
                                'envoy.filters.http.ratelimit': {
                                  '@type': 'type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimitPerRoute',
                                  rate_limits: [
                                    // Checked (0 hits) before the request, charged its cost when it is done.
                                    { actions: [generic('route', 'tokens')], hits_addend: { number: 0 } },
                                    { actions: [generic('route', 'tokens')], apply_on_stream_done: true, hits_addend: { format: '%REQ(x-cost)%' } },
                                  ],
                                },
                              },
                            },
                          ],
                        },
                      ],
                    },
                    http_filters: [
                      {
                        name: 'envoy.filters.http.ratelimit',
                        typed_config: {
                          '@type': 'type.googleapis.com/envoy.extensions.filters.http.ratelimit.v3.RateLimit',
                          domain: 'd',
                          enable_x_ratelimit_headers: 'DRAFT_VERSION_03',
                          timeout: '2s',
                          rate_limit_service: { transport_api_version: 'V3', grpc_service: { envoy_grpc: { cluster_name: 'ratelimit' } } },
                        },
                      },
                      { name: 'envoy.filters.http.router', typed_config: { '@type': 'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router' } },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
      clusters: [
        { name: 'upstream', load_assignment: { cluster_name: 'upstream', endpoints: [{ lb_endpoints: [{ endpoint: { address: { socket_address: { address: '127.0.0.1', port_value: upstreamPort } } } }] }] } },
        {
          name: 'ratelimit',
          typed_extension_protocol_options: {
            'envoy.extensions.upstreams.http.v3.HttpProtocolOptions': { '@type': 'type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions', explicit_http_config: { http2_protocol_options: {} } },
          },
          load_assignment: { cluster_name: 'ratelimit', endpoints: [{ lb_endpoints: [{ endpoint: { address: { pipe: { path: socketPath } } } }] }] },
        },
      ],
    },
    admin: { address: { socket_address: { address: '127.0.0.1', port_value: 0 } } },
  };
}

before(async () => {
  if (skip) return;
  dir = mkdtempSync(join(tmpdir(), 'aigw-rls-envoy-'));
  upstream = createServer((_, response) => response.end('ok'));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const address = upstream.address();
  assert.ok(address !== null && typeof address === 'object');
  const socketPath = join(dir, 'ratelimit.sock');
  service = await startRateLimitService({
    socketPath,
    config: {
      domains: [
        {
          domain: 'd',
          descriptors: [
            { key: 'route', value: 'requests', descriptors: [{ key: 'tenant', rateLimit: { requestsPerUnit: 5, unit: 'hour' }, source: 'requests' }] },
            { key: 'route', value: 'tokens', rateLimit: { requestsPerUnit: 10, unit: 'hour' }, source: 'tokens' },
          ],
        },
      ],
    },
    registry,
    logger: createLogger('error'),
    env: {},
  });
  port = await freePort();
  const bootstrapPath = join(dir, 'envoy.json');
  writeFileSync(bootstrapPath, JSON.stringify(bootstrap(port, address.port, socketPath)));
  envoy = await startEnvoy({ binary: ENVOY_BINARY, bootstrapPath, adminAddressFile: join(dir, 'admin-address'), runId: 'rls-test', logLevels: { default: 'warn' }, stdout: new PassThrough().resume(), stderr: new PassThrough().resume(), readyTimeoutMs: 20_000 });
});

after(async () => {
  if (envoy) {
    envoy.stop('SIGKILL');
    await envoy.exited;
  }
  await service?.close();
  await new Promise((resolve) => (upstream ? upstream.close(resolve) : resolve(undefined)));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string>): Promise<Response> => fetch(`http://127.0.0.1:${port}${path}`, { headers, signal: AbortSignal.timeout(5000) });

test('OVER_LIMIT becomes a 429 with x-ratelimit-limit, -remaining and -reset; hits_addend {number: 2} charges 2', { skip, timeout: 30_000 }, async () => {
  const first = await get('/requests', { 'x-tenant': 'acme' });
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('x-ratelimit-remaining'), '3');
  assert.equal(first.headers.get('x-ratelimit-limit'), '5, 5;w=3600');
  assert.equal((await get('/requests', { 'x-tenant': 'acme' })).headers.get('x-ratelimit-remaining'), '1');
  const over = await get('/requests', { 'x-tenant': 'acme' });
  assert.equal(over.status, 429);
  assert.equal(over.headers.get('x-ratelimit-limit'), '5, 5;w=3600');
  assert.equal(over.headers.get('x-ratelimit-remaining'), '0');
  const reset = Number(over.headers.get('x-ratelimit-reset'));
  assert.ok(reset > 0 && reset <= 3600, `x-ratelimit-reset ${String(over.headers.get('x-ratelimit-reset'))}`);
  // Another tenant has its own budget.
  assert.equal((await get('/requests', { 'x-tenant': 'other' })).status, 200);
  assert.match(await registry.getSingleMetricAsString('aigw_ratelimit_decisions_total'), /domain="d",source="requests",decision="over_limit"\} 1/);
});

test('a cost charged when the stream is done (hits_addend format, apply_on_stream_done) is over the limit for the next request', { skip, timeout: 30_000 }, async () => {
  const first = await get('/tokens', { 'x-cost': '11' });
  assert.equal(first.status, 200);
  assert.equal(first.headers.get('x-ratelimit-remaining'), '10', 'the check charged nothing');
  // The charge goes out after the response: the next request sees it once it landed.
  const deadline = Date.now() + 5000;
  let status = 200;
  while (status === 200 && Date.now() < deadline) {
    status = (await get('/tokens', { 'x-cost': '0' })).status;
    if (status === 200) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal(status, 429);
});
