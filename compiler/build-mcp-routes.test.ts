import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isRecord } from '../common/json-guards.js';
import { MCP_METADATA_HEADERS, MCP_ROUTE_HEADER } from '../contract/mcp-config.js';
import { MCP_PROXY_CLUSTER, mcpEnvoyRoutes } from './build-mcp-routes.js';
import { compileConfig } from './compile-config.js';
import { defaultMcpProxySocketPath } from './default-mcp-proxy-socket-path.js';

const CONFIG = `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: gw
spec:
  controllerName: gateway.envoyproxy.io/gatewayclass-controller
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: gw
spec:
  gatewayClassName: gw
  listeners:
    - name: http
      protocol: HTTP
      port: 1975
    - name: llm-only
      protocol: HTTP
      port: 1976
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata:
  name: llm
spec:
  parentRefs:
    - name: gw
  rules:
    - backendRefs:
        - name: openai
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata:
  name: openai
spec:
  schema:
    name: OpenAI
  backendRef:
    name: openai
    kind: Backend
    group: gateway.envoyproxy.io
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata:
  name: openai
spec:
  endpoints:
    - fqdn:
        hostname: api.openai.com
        port: 443
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata:
  name: tools
spec:
  endpoints:
    - ip:
        address: 127.0.0.1
        port: 8080
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: MCPRoute
metadata:
  name: open
spec:
  parentRefs:
    - name: gw
      sectionName: http
  path: /tools
  backendRefs:
    - name: tools
      kind: Backend
      group: gateway.envoyproxy.io
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: MCPRoute
metadata:
  name: secured
spec:
  parentRefs:
    - name: gw
      sectionName: http
  hostnames: [mcp.example.com, "*.corp.example.com"]
  headers:
    - name: x-tenant
      value: blue
    - name: x-env
      type: RegularExpression
      value: "prod|staging"
  backendRefs:
    - name: tools
      kind: Backend
      group: gateway.envoyproxy.io
  securityPolicy:
    oauth:
      issuer: https://auth.example.com
      jwks:
        remoteJWKS:
          uri: https://auth.example.com/jwks
      protectedResourceMetadata:
        resource: https://mcp.example.com/mcp
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: MCPRoute
metadata:
  name: secured-too
spec:
  parentRefs:
    - name: gw
      sectionName: http
  hostnames: [mcp.example.com, "*.corp.example.com"]
  path: /other
  backendRefs:
    - name: tools
      kind: Backend
      group: gateway.envoyproxy.io
  securityPolicy:
    oauth:
      issuer: https://auth.example.com
      jwks:
        remoteJWKS:
          uri: https://auth.example.com/jwks
      protectedResourceMetadata:
        resource: https://mcp.example.com/other
`;

const OPTIONS = { file: 'gw.yaml', env: {}, extProcSocketPath: '/run/aigw/extproc.sock', systemCaFile: '/etc/ssl/certs/ca.pem' };

/** The value at a path of keys and indexes, or undefined. */
function at(value: unknown, ...path: (string | number)[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof key === 'number') current = Array.isArray(current) ? (current as unknown[])[key] : undefined;
    else current = isRecord(current) ? current[key] : undefined;
  }
  return current;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? (value as unknown[]) : [];
}

function listener(bootstrap: unknown, name: string): unknown {
  return list(at(bootstrap, 'static_resources', 'listeners')).find((candidate) => at(candidate, 'name') === name);
}

function hcm(bootstrap: unknown, name: string): unknown {
  const filters = list(at(listener(bootstrap, name), 'filter_chains', 0, 'filters'));
  return at(filters.find((filter) => at(filter, 'name') === 'envoy.filters.network.http_connection_manager'), 'typed_config');
}

function routesOf(bootstrap: unknown, name: string): unknown[] {
  return list(at(hcm(bootstrap, name), 'route_config', 'virtual_hosts', 0, 'routes'));
}

describe('MCP routes in the Envoy bootstrap', () => {
  const compiled = compileConfig(CONFIG, { ...OPTIONS, mcpProxySocketPath: '/run/aigw/mcp-proxy.sock' });
  const routes = routesOf(compiled.bootstrap, 'default/gw/http');
  const mcp = routes.filter((route) => at(route, 'route', 'cluster') === MCP_PROXY_CLUSTER);

  it('go before the LLM routes and the not-found route, more specific routes first', () => {
    const firstLlm = routes.findIndex((route) => at(route, 'route', 'cluster') !== MCP_PROXY_CLUSTER);
    assert.equal(firstLlm, mcp.length, 'every MCP route precedes the first LLM route');
    assert.ok(mcp.length > 0);
    assert.deepEqual(
      mcp.map((route) => at(route, 'match', 'path')),
      [
        // secured: hostnames and headers, so first
        '/mcp',
        '/.well-known/oauth-protected-resource/mcp',
        '/.well-known/oauth-authorization-server/mcp',
        '/.well-known/openid-configuration/mcp',
        '/.well-known/oauth-protected-resource',
        '/.well-known/oauth-authorization-server',
        '/.well-known/openid-configuration',
        // secured-too: same hosts, so the root metadata stays with secured
        '/other',
        '/.well-known/oauth-protected-resource/other',
        '/.well-known/oauth-authorization-server/other',
        '/.well-known/openid-configuration/other',
        // open: no OAuth, so no metadata routes
        '/tools',
      ],
    );
    assert.deepEqual(at(routes[routes.length - 1], 'direct_response', 'status'), 404);
  });

  it('name the route in x-ai-eg-mcp-route (overwriting the client), disable the LLM ext_proc, keep streams open', () => {
    for (const route of mcp) {
      const header = at(route, 'request_headers_to_add', 0);
      assert.equal(at(header, 'header', 'key'), MCP_ROUTE_HEADER);
      assert.equal(at(header, 'append_action'), 'OVERWRITE_IF_EXISTS_OR_ADD');
      assert.equal(at(route, 'typed_per_filter_config', 'envoy.filters.http.ext_proc', 'disabled'), true);
      assert.equal(at(route, 'route', 'timeout'), '0s');
      assert.equal(at(route, 'route', 'idle_timeout'), '1800s');
    }
    assert.deepEqual(
      [...new Set(mcp.map((route) => at(route, 'request_headers_to_add', 0, 'header', 'value')))],
      ['default/secured', 'default/secured-too', 'default/open'],
    );
  });

  it('match hostnames on :authority (any port) and spec.headers on the MCP path only', () => {
    const [path, wellKnown] = mcp;
    assert.deepEqual(at(path, 'match', 'headers'), [
      { name: ':authority', string_match: { safe_regex: { regex: '(?i)(?:mcp\\.example\\.com|[^:/]+\\.corp\\.example\\.com)(?::[0-9]+)?' } } },
      { name: 'x-tenant', string_match: { exact: 'blue' } },
      { name: 'x-env', string_match: { safe_regex: { regex: 'prod|staging' } } },
    ]);
    assert.deepEqual(list(at(wellKnown, 'match', 'headers')).length, 1, 'metadata is public: hostnames only');
    assert.equal(at(mcp[mcp.length - 1], 'match', 'headers'), undefined, 'no hostnames, no headers: any request');
    const regex = new RegExp(`^${String(at(path, 'match', 'headers', 0, 'string_match', 'safe_regex', 'regex')).replace('(?i)', '')}$`, 'i');
    assert.ok(regex.test('MCP.example.com:1975') && regex.test('a.b.corp.example.com') && !regex.test('corp.example.com') && !regex.test('evil.com'));
  });

  it('turn the proxy metadata headers into dynamic metadata, before the router, on MCP listeners only', () => {
    const filters = list(at(hcm(compiled.bootstrap, 'default/gw/http'), 'http_filters')).map((filter) => at(filter, 'name'));
    assert.deepEqual(filters, ['envoy.filters.http.ext_proc', 'envoy.filters.http.header_to_metadata', 'envoy.filters.http.router']);
    const rules = list(at(hcm(compiled.bootstrap, 'default/gw/http'), 'http_filters', 1, 'typed_config', 'response_rules'));
    assert.deepEqual(
      rules.map((rule) => [at(rule, 'header'), at(rule, 'on_header_present', 'metadata_namespace'), at(rule, 'on_header_present', 'key'), at(rule, 'remove')]),
      Object.values(MCP_METADATA_HEADERS).map((header, i) => [header, 'io.envoy.ai_gateway', ['mcp_method', 'mcp_tool_name', 'mcp_backend', 'mcp_session_id', 'mcp_request_id', 'mcp_resource_uri', 'session.id'][i], true]),
    );
    const llmOnly = list(at(hcm(compiled.bootstrap, 'default/gw/llm-only'), 'http_filters')).map((filter) => at(filter, 'name'));
    assert.deepEqual(llmOnly, ['envoy.filters.http.ext_proc', 'envoy.filters.http.router']);
    assert.ok(!routesOf(compiled.bootstrap, 'default/gw/llm-only').some((route) => at(route, 'route', 'cluster') === MCP_PROXY_CLUSTER));
  });

  it('send MCP traffic to the proxy socket given in the options (default: mcp.sock next to the ext_proc socket)', () => {
    const cluster = list(at(compiled.bootstrap, 'static_resources', 'clusters')).find((candidate) => at(candidate, 'name') === MCP_PROXY_CLUSTER);
    assert.equal(at(cluster, 'load_assignment', 'endpoints', 0, 'lb_endpoints', 0, 'endpoint', 'address', 'pipe', 'path'), '/run/aigw/mcp-proxy.sock');
    const byDefault = compileConfig(CONFIG, OPTIONS);
    const defaultCluster = list(at(byDefault.bootstrap, 'static_resources', 'clusters')).find((candidate) => at(candidate, 'name') === MCP_PROXY_CLUSTER);
    assert.equal(at(defaultCluster, 'load_assignment', 'endpoints', 0, 'lb_endpoints', 0, 'endpoint', 'address', 'pipe', 'path'), '/run/aigw/mcp.sock');
    assert.equal(defaultMcpProxySocketPath('/tmp/run/uds.sock'), '/tmp/run/mcp.sock');
    const withoutMcp = compileConfig(CONFIG.slice(0, CONFIG.indexOf('apiVersion: aigateway.envoyproxy.io/v1beta1\nkind: MCPRoute')), OPTIONS);
    assert.ok(!list(at(withoutMcp.bootstrap, 'static_resources', 'clusters')).some((candidate) => at(candidate, 'name') === MCP_PROXY_CLUSTER));
  });

  const envoy = process.env.AIGW_ENVOY_PATH;
  it('is accepted by Envoy', { skip: envoy && existsSync(envoy) ? false : 'set AIGW_ENVOY_PATH to validate with Envoy' }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'aigw-mcp-'));
    const file = join(dir, 'envoy.json');
    writeFileSync(file, JSON.stringify(compiled.bootstrap));
    const output = execFileSync(envoy ?? '', ['--mode', 'validate', '-c', file, '--disable-hot-restart', '-l', 'error'], { encoding: 'utf8' });
    assert.match(output, /OK/);
  });
  it('serve the metadata under the route path and the resource URL path, trailing slashes trimmed', () => {
    const oauth = (resource: string) => ({
      issuer: 'https://auth.example.com',
      audiences: [],
      jwks: { type: 'remote' as const, uri: 'https://auth.example.com/jwks', cacheDurationSeconds: 300 },
      protectedResourceMetadata: { resource, scopesSupported: [] },
      claimToHeaders: [],
    });
    const model = (path: string, resource: string) => ({
      config: { name: 'default/r', path, listeners: ['l'], hostnames: [], backends: [], oauth: oauth(resource) },
      headers: [],
    });
    const paths = (path: string, resource: string): unknown[] => mcpEnvoyRoutes([model(path, resource)]).map((route) => at(route, 'match', 'path'));
    assert.deepEqual(paths('/', 'https://mcp.example.com/api/mcp'), [
      '/',
      '/.well-known/oauth-protected-resource/api/mcp',
      '/.well-known/oauth-authorization-server/api/mcp',
      '/.well-known/openid-configuration/api/mcp',
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-authorization-server',
      '/.well-known/openid-configuration',
    ]);
    assert.deepEqual(paths('/mcp/', 'https://mcp.example.com/mcp/').slice(0, 2), ['/mcp/', '/.well-known/oauth-protected-resource/mcp']);
  });
});
