import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactFilterConfig } from '../contract/filter-config.js';
import { analyzeSources, compileConfig } from './compile-config.js';
import { formatDiagnostic } from './diagnostic.js';

const GATEWAY = `apiVersion: gateway.networking.k8s.io/v1
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
    - name: internal
      protocol: HTTP
      port: 1976
---
`;

const backend = (name: string, endpoint: string, extra = ''): string => `apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata:
  name: ${name}
spec:
  endpoints:
${endpoint}${extra}---
`;

const tlsPolicy = (name: string, hostname: string): string => `apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata:
  name: ${name}-tls
spec:
  targetRefs:
    - group: gateway.envoyproxy.io
      kind: Backend
      name: ${name}
  validation:
    wellKnownCACertificates: System
    hostname: ${hostname}
---
`;

const ref = (name: string, extra = ''): string => `    - name: ${name}
      kind: Backend
      group: gateway.envoyproxy.io
${extra}`;

const route = (name: string, refs: string, extra = ''): string => `apiVersion: aigateway.envoyproxy.io/v1beta1
kind: MCPRoute
metadata:
  name: ${name}
spec:
  parentRefs:
    - name: gw
${extra}  backendRefs:
${refs}---
`;

const OPTIONS = { file: 'mcp.yaml', extProcSocketPath: '/run/aigw/extproc.sock', systemCaFile: '/etc/ssl/certs/ca.pem' };

function errors(text: string, env: Record<string, string> = {}): string[] {
  return analyzeSources([{ file: 'mcp.yaml', text }], env).diagnostics.map(formatDiagnostic);
}

describe('MCPRoute resolution', () => {
  it('turns Backends into URLs: fqdn, IPv4, IPv6, TLS (policy or Backend tls), default ports left out', () => {
    const text =
      GATEWAY +
      backend('plain', '    - fqdn:\n        hostname: tools.local\n        port: 80\n') +
      backend('ip', '    - ip:\n        address: 10.0.0.7\n        port: 9000\n') +
      backend('ip6', '    - ip:\n        address: "fd00::1"\n        port: 9000\n') +
      backend('github', '    - fqdn:\n        hostname: api.githubcopilot.com\n        port: 443\n') +
      tlsPolicy('github', 'api.githubcopilot.com') +
      backend('sni', '    - ip:\n        address: 10.0.0.8\n        port: 8443\n') +
      tlsPolicy('sni', 'tools.internal') +
      backend('inline-tls', '    - fqdn:\n        hostname: kiwi.example\n        port: 443\n', '  tls:\n    wellKnownCACertificates: System\n') +
      route('mcp', ref('plain') + ref('ip', '      path: /\n') + ref('ip6') + ref('github', '      path: /mcp/readonly\n') + ref('sni') + ref('inline-tls'));
    const compiled = compileConfig(text, { ...OPTIONS, env: {} });
    const routes = compiled.filterConfig.mcp?.routes ?? [];
    assert.deepEqual(
      routes[0]?.backends.map((b) => [b.name, b.url, b.tlsServerName]),
      [
        ['plain', 'http://tools.local/mcp', undefined],
        ['ip', 'http://10.0.0.7:9000/', undefined],
        ['ip6', 'http://[fd00::1]:9000/mcp', undefined],
        ['github', 'https://api.githubcopilot.com/mcp/readonly', undefined],
        ['sni', 'https://10.0.0.8:8443/mcp', 'tools.internal'],
        ['inline-tls', 'https://kiwi.example/mcp', undefined],
      ],
    );
    assert.deepEqual(routes[0]?.listeners, ['default/gw/http', 'default/gw/internal']);
    assert.equal(routes[0]?.name, 'default/mcp');
  });

  it('inlines API keys: Secret (trimmed), inline, header, query parameter; translate redacts them', () => {
    const secret = (name: string, value: string): string => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: ${name}\nstringData:\n  apiKey: "${value}"\n---\n`;
    const text =
      GATEWAY +
      backend('a', '    - fqdn:\n        hostname: a.local\n        port: 8080\n') +
      backend('b', '    - fqdn:\n        hostname: b.local\n        port: 8080\n') +
      backend('c', '    - fqdn:\n        hostname: c.local\n        port: 8080\n') +
      secret('a-token', 'sk-secret\\n') +
      route(
        'mcp',
        ref('a', '      securityPolicy:\n        apiKey:\n          secretRef:\n            name: a-token\n') +
          ref('b', '      securityPolicy:\n        apiKey:\n          inline: inline-key\n          header: X-Api-Key\n') +
          ref('c', '      securityPolicy:\n        apiKey:\n          inline: query-key\n          queryParam: key\n'),
      );
    const compiled = compileConfig(text, { ...OPTIONS, env: {} });
    const backends = compiled.filterConfig.mcp?.routes[0]?.backends ?? [];
    assert.deepEqual(
      backends.map((b) => b.apiKey),
      [{ value: 'sk-secret' }, { value: 'inline-key', header: 'x-api-key' }, { value: 'query-key', queryParam: 'key' }],
    );
    const redacted = JSON.stringify(redactFilterConfig(compiled.filterConfig));
    assert.ok(!redacted.includes('sk-secret') && !redacted.includes('inline-key') && !redacted.includes('query-key'));
  });

  it('reads a local JWKS from a ConfigMap and advertises the rules\u2019 scopes after the listed ones', () => {
    const jwks = '{"keys": []}';
    const text =
      GATEWAY +
      backend('a', '    - fqdn:\n        hostname: a.local\n        port: 8080\n') +
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: jwks\ndata:\n  jwks: '${jwks}'\n---\n` +
      `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: unrelated\ndata:\n  x: y\n---\n` +
      route(
        'mcp',
        ref('a'),
        `  securityPolicy:
    oauth:
      issuer: https://auth.example.com
      jwks:
        localJWKS:
          type: ValueRef
          valueRef:
            group: ""
            kind: ConfigMap
            name: jwks
      protectedResourceMetadata:
        resource: https://mcp.example.com/mcp
        scopesSupported: [openid, read]
    authorization:
      rules:
        - source:
            jwt:
              scopes: [read, write]
        - source:
            jwt:
              scopes: [admin]
`,
      );
    const analysis = analyzeSources([{ file: 'mcp.yaml', text }], {});
    const oauth = analysis.model?.mcpRoutes[0]?.config.oauth;
    assert.deepEqual(oauth?.jwks, { type: 'local', json: jwks });
    assert.deepEqual(oauth?.protectedResourceMetadata.scopesSupported, ['openid', 'read', 'write', 'admin']);
    const messages = analysis.diagnostics.map(formatDiagnostic);
    assert.ok(messages.some((m) => m.includes('ConfigMap "unrelated"') && m.includes('not referenced by an MCPRoute')), messages.join('\n'));
    assert.ok(!messages.some((m) => m.includes('ConfigMap "jwks"')));
  });

  it('attaches by sectionName, and only to known Gateways', () => {
    const text =
      GATEWAY +
      backend('a', '    - fqdn:\n        hostname: a.local\n        port: 8080\n') +
      route('mcp', ref('a')).replace('    - name: gw\n', '    - name: gw\n      sectionName: internal\n    - name: missing\n');
    const analysis = analyzeSources([{ file: 'mcp.yaml', text }], {});
    assert.ok(analysis.diagnostics.map(formatDiagnostic).some((m) => m.includes('spec.parentRefs[1].name: Gateway default/missing not found')));
    const fixed = analyzeSources([{ file: 'mcp.yaml', text: text.replace('    - name: missing\n', '') }], {});
    assert.deepEqual(fixed.model?.mcpRoutes[0]?.config.listeners, ['default/gw/internal']);
  });

  it('reports missing Backends, Secrets, ConfigMaps and keys, and unix endpoints', () => {
    const text =
      GATEWAY +
      backend('sock', '    - unix:\n        path: /tmp/mcp.sock\n') +
      backend('two', '    - fqdn:\n        hostname: a.local\n        port: 8080\n    - fqdn:\n        hostname: b.local\n        port: 8080\n') +
      `apiVersion: v1\nkind: Secret\nmetadata:\n  name: no-key\nstringData:\n  token: x\n---\n` +
      route(
        'mcp',
        ref('nope') +
          ref('sock') +
          ref('two', '      port: 9999\n      securityPolicy:\n        apiKey:\n          secretRef:\n            name: no-key\n') +
          `    - name: other\n      kind: Backend\n      group: gateway.envoyproxy.io\n      securityPolicy:\n        apiKey:\n          secretRef:\n            name: missing\n`,
        `  securityPolicy:
    oauth:
      issuer: https://auth.example.com
      jwks:
        localJWKS:
          type: ValueRef
          valueRef:
            group: ""
            kind: ConfigMap
            name: absent
      protectedResourceMetadata:
        resource: https://mcp.example.com/mcp
`,
      ) +
      backend('other', '    - fqdn:\n        hostname: o.local\n        port: 8080\n');
    const found = errors(text);
    const has = (pattern: RegExp): void => assert.ok(found.some((m) => pattern.test(m)), `${pattern}\n${found.join('\n')}`);
    has(/error: MCPRoute "mcp": spec\.backendRefs\[0\]\.name: Backend default\/nope not found/);
    has(/error: Backend "sock": spec\.endpoints\[0\]\.unix: unix socket endpoints are not supported for MCP backends/);
    has(/warning: Backend "two": spec\.endpoints: MCPRoute mcp uses the first endpoint only/);
    has(/warning: MCPRoute "mcp": spec\.backendRefs\[2\]\.port: ignored: the Backend endpoint's port 8080 is used/);
    has(/error: Secret "no-key": stringData: the Secret has no "apiKey" key, which MCPRoute mcp reads for backend two/);
    has(/error: MCPRoute "mcp": spec\.backendRefs\[3\]\.securityPolicy\.apiKey\.secretRef\.name: Secret default\/missing not found/);
    has(/error: MCPRoute "mcp": spec\.securityPolicy\.oauth\.jwks\.localJWKS\.valueRef\.name: ConfigMap default\/absent not found/);
  });

  it('puts mcp in the filter config only when there are MCP routes', () => {
    const compiled = compileConfig(GATEWAY, { ...OPTIONS, env: {} });
    assert.equal(compiled.filterConfig.mcp, undefined);
  });

  it('refuses two MCPRoutes on the same listener, path and hosts in aigw run/translate', () => {
    const a = backend('a', '    - fqdn:\n        hostname: a.local\n        port: 8080\n');
    assert.throws(() => compileConfig(GATEWAY + a + route('one', ref('a')) + route('two', ref('a')), { ...OPTIONS, env: {} }), /path \/mcp on Gateway default\/gw is already served by MCPRoute "one"/);
    const hosts = GATEWAY + a + route('one', ref('a'), '  hostnames: [a.example.com]\n') + route('two', ref('a'), '  hostnames: [b.example.com]\n') + route('three', ref('a'));
    assert.equal(compileConfig(hosts, { ...OPTIONS, env: {} }).filterConfig.mcp?.routes.length, 3);
  });
});
