import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFilterConfig } from '../../contract/parse-filter-config.js';
import { buildFilterConfig } from '../build-filter-config.js';
import { analyzeSources } from '../compile-config.js';
import { formatDiagnostic } from '../diagnostic.js';

/** A Gateway and a Backend, then the MCPRoute under test (its spec lines indented by two). */
function config(spec: string, extra = '', metadata = ''): string {
  return `apiVersion: gateway.networking.k8s.io/v1
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
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: Backend
metadata:
  name: tools
spec:
  endpoints:
    - fqdn:
        hostname: tools.example.com
        port: 8080
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: MCPRoute
metadata:
  name: mcp
${metadata}spec:
${spec}${extra}`;
}

const PARENT = '  parentRefs:\n    - name: gw\n';
const BACKEND = '  backendRefs:\n    - name: tools\n      kind: Backend\n      group: gateway.envoyproxy.io\n';

function problems(text: string, env: Record<string, string> = {}): string[] {
  return analyzeSources([{ file: 'mcp.yaml', text }], env).diagnostics.map(formatDiagnostic);
}

/** The 1-based line of the nth (1-based) line containing `needle`. */
function lineOf(text: string, needle: string, nth = 1): number {
  const lines = text.split('\n');
  let seen = 0;
  return lines.findIndex((line) => line.includes(needle) && ++seen === nth) + 1;
}

describe('MCPRoute reading', () => {
  it('accepts every supported field, v1alpha1 and v1beta1', () => {
    const spec = `${PARENT}  hostnames: [mcp.example.com, "*.tools.example.com"]
  path: /tools/mcp
  headers:
    - name: X-Tenant
      value: blue
    - name: x-env
      type: RegularExpression
      value: "prod|staging"
  backendRefs:
    - name: tools
      kind: Backend
      group: gateway.envoyproxy.io
      namespace: default
      path: /v1/mcp
      toolSelector:
        includeRegex: ["read_.*"]
        exclude: [read_secret]
      forwardHeaders:
        - name: X-User
        - name: X-Org
          backendHeader: X-Organization
      securityPolicy:
        apiKey:
          header: X-Api-Key
          inline: key-1
  backendSelector:
    defaultAction: Allow
    rules:
      - action: Deny
        cel: request.headers["x-tenant"] == "red"
  securityPolicy:
    oauth:
      issuer: https://auth.example.com
      audiences: [mcp]
      jwks:
        remoteJWKS:
          uri: https://auth.example.com/jwks
          cacheDuration: 10m
      protectedResourceMetadata:
        resource: https://mcp.example.com/tools/mcp
        resourceName: Tools
        resourceDocumentation: https://docs.example.com
        resourcePolicyUri: https://example.com/policy
        resourceSigningAlgValuesSupported: [RS256]
        scopesSupported: [openid]
      claimToHeaders:
        - claim: sub
          header: X-Subject
    authorization:
      rules:
        - source:
            jwt:
              scopes: [tools.read]
              claims:
                - name: org.team
                  valueType: StringArray
                  values: [a, b]
          target:
            tools:
              - backend: tools
                tool: read_file
        - action: Deny
          cel: mcp.method == "tools/call" && mcp.tool.startsWith("delete")
`;
    for (const version of ['v1beta1', 'v1alpha1']) {
      const text = config(spec).replace('aigateway.envoyproxy.io/v1beta1', `aigateway.envoyproxy.io/${version}`);
      const analysis = analyzeSources([{ file: 'mcp.yaml', text }], {});
      assert.deepEqual(analysis.diagnostics.map(formatDiagnostic), []);
      const [route] = analysis.model?.mcpRoutes ?? [];
      assert.deepEqual(route?.headers, [
        { type: 'Exact', name: 'x-tenant', value: 'blue' },
        { type: 'RegularExpression', name: 'x-env', value: 'prod|staging' },
      ]);
      assert.deepEqual(route?.config.hostnames, ['mcp.example.com', '*.tools.example.com']);
      assert.equal(route?.config.path, '/tools/mcp');
      assert.deepEqual(route?.config.backends, [
        {
          name: 'tools',
          url: 'http://tools.example.com:8080/v1/mcp',
          headers: [],
          forwardHeaders: [
            { name: 'x-user', backendHeader: 'x-user' },
            { name: 'x-org', backendHeader: 'x-organization' },
          ],
          toolSelector: { includeRegex: ['read_.*'], exclude: ['read_secret'] },
          apiKey: { value: 'key-1', header: 'x-api-key' },
        },
      ]);
      assert.deepEqual(route?.config.backendSelector, { defaultAction: 'Allow', rules: [{ action: 'Deny', cel: 'request.headers["x-tenant"] == "red"' }] });
      assert.deepEqual(route?.config.oauth, {
        issuer: 'https://auth.example.com',
        audiences: ['mcp'],
        jwks: { type: 'remote', uri: 'https://auth.example.com/jwks', cacheDurationSeconds: 600 },
        protectedResourceMetadata: {
          resource: 'https://mcp.example.com/tools/mcp',
          resourceName: 'Tools',
          resourceDocumentation: 'https://docs.example.com',
          resourcePolicyUri: 'https://example.com/policy',
          resourceSigningAlgValuesSupported: ['RS256'],
          scopesSupported: ['openid', 'tools.read'],
        },
        claimToHeaders: [{ claim: 'sub', header: 'x-subject' }],
      });
      assert.deepEqual(route?.config.authorization, {
        defaultAction: 'Deny',
        rules: [
          { action: 'Allow', jwt: { scopes: ['tools.read'], claims: [{ name: 'org.team', valueType: 'StringArray', values: ['a', 'b'] }] }, tools: [{ backend: 'tools', tool: 'read_file' }] },
          { action: 'Deny', cel: 'mcp.method == "tools/call" && mcp.tool.startsWith("delete")' },
        ],
      });
      // The ext_proc reads back exactly what the compiler wrote (the FilterConfig.mcp contract).
      const filterConfig = analysis.model ? buildFilterConfig(analysis.model) : undefined;
      const written: unknown = JSON.parse(JSON.stringify(filterConfig));
      assert.deepEqual(parseFilterConfig(written).mcp, filterConfig?.mcp);
    }
  });

  it('applies the API defaults: path /mcp, backend path /mcp, Deny/Allow, JWKS cache 300s, String claims', () => {
    const spec = `${PARENT}${BACKEND}  backendSelector:
    rules:
      - cel: "true"
  securityPolicy:
    oauth:
      issuer: https://auth.example.com
      jwks:
        remoteJWKS:
          uri: https://auth.example.com/jwks
      protectedResourceMetadata:
        resource: https://mcp.example.com/mcp
    authorization:
      rules:
        - source:
            jwt:
              claims:
                - name: role
                  values: [admin]
`;
    const route = analyzeSources([{ file: 'mcp.yaml', text: config(spec) }], {}).model?.mcpRoutes[0]?.config;
    assert.equal(route?.path, '/mcp');
    assert.equal(route?.backends[0]?.url, 'http://tools.example.com:8080/mcp');
    assert.deepEqual(route?.backendSelector, { defaultAction: 'Deny', rules: [{ action: 'Allow', cel: 'true' }] });
    assert.deepEqual(route?.oauth?.jwks, { type: 'remote', uri: 'https://auth.example.com/jwks', cacheDurationSeconds: 300 });
    assert.deepEqual(route?.authorization, { defaultAction: 'Deny', rules: [{ action: 'Allow', jwt: { scopes: [], claims: [{ name: 'role', valueType: 'String', values: ['admin'] }] } }] });
  });

  it('reports every problem at its file:line:col: admission (schema and CEL rules) first', () => {
    const spec = `  parentRefs:
    - name: gw
      kind: HTTPRoute
  hostnames: [Bad_Host]
  backendRefs:
    - name: tools
      kind: Backend
      group: gateway.envoyproxy.io
      toolSelector: {}
      securityPolicy:
        apiKey:
          header: X-Key
          queryParam: key
    - name: tools
      kind: Backend
      group: gateway.envoyproxy.io
      toolSelector:
        include: [a]
        includeRegex: [b]
      unknownField: 1
  securityPolicy:
    authorization:
      rules:
        - source:
            jwt:
              claims:
                - name: scope
                  values: [x]
`;
    const text = config(spec);
    const found = problems(text);
    const expect = (needle: string, message: RegExp, nth = 1): void => {
      const line = lineOf(text, needle, nth);
      assert.ok(
        found.some((problem) => problem.startsWith(`mcp.yaml:${line}:`) && message.test(problem)),
        `expected ${message} at line ${line} (${needle}) in:\n${found.join('\n')}`,
      );
    };
    // The CRD's CEL rules, in the API server's words; the readers never see this MCPRoute.
    const invalid = 'MCPRoute\\.aigateway\\.envoyproxy\\.io "mcp" is invalid: ';
    expect('parentRefs:', new RegExp(`${invalid}spec\\.parentRefs: Invalid value: "array": only Gateway is supported`));
    expect('[Bad_Host]', new RegExp(`${invalid}spec\\.hostnames\\[0\\]: Invalid value: "Bad_Host": spec\\.hostnames\\[0\\] in body should match`));
    expect('toolSelector: {}', /spec\.backendRefs\[0\]\.toolSelector: Invalid value: "object": at least one of include, includeRegex, exclude, or excludeRegex must be specified/);
    expect('apiKey:', /spec\.backendRefs\[0\]\.securityPolicy\.apiKey: Invalid value: "object": only one of header or queryParam can be set/);
    expect('apiKey:', /spec\.backendRefs\[0\]\.securityPolicy\.apiKey: Invalid value: "object": exactly one of secretRef or inline must be set/);
    expect('toolSelector:', /spec\.backendRefs\[1\]\.toolSelector: Invalid value: "object": include and includeRegex are mutually exclusive/, 2);
    expect('unknownField: 1', /spec\.backendRefs\[1\]\.unknownField: unknown field "unknownField"/);
    expect('backendRefs:', /spec\.backendRefs: Invalid value: "array": all backendRefs names must be unique/);
    expect('claims:', /jwt\.claims: Invalid value: "array": 'scope' claim name is reserved for OAuth scopes/);
    expect('securityPolicy:', /spec\.securityPolicy: Invalid value: "object": oauth must be configured when any authorization rule uses a jwt source/, 2);
    assert.ok(!found.some((problem) => problem.includes('error: MCPRoute "mcp": spec.') && !problem.includes('unknown field')), `a reader ran on a rejected MCPRoute:\n${found.join('\n')}`);
  });

  it('reports every problem at its file:line:col: what only aigw checks, on an admitted MCPRoute', () => {
    const spec = `${PARENT}  path: mcp
  headers:
    - name: x-a
      type: RegularExpression
      value: "(unclosed"
  backendRefs:
    - name: svc
      port: 80
    - name: tools
      kind: Backend
      group: gateway.envoyproxy.io
      toolSelector:
        includeRegex: ["("]
  securityPolicy:
    apiKeyAuth:
      credentialRefs: []
      extractFrom: []
    extAuth:
      http:
        backendRef: {name: auth, port: 80}
    authorization:
      rules:
        - cel: "foo == 1"
        - cel: "request.method"
`;
    const text = config(spec);
    const found = problems(text);
    const expect = (needle: string, message: RegExp): void => {
      const line = lineOf(text, needle);
      assert.ok(
        found.some((problem) => problem.startsWith(`mcp.yaml:${line}:`) && message.test(problem)),
        `expected ${message} at line ${line} (${needle}) in:\n${found.join('\n')}`,
      );
    };
    expect('path: mcp', /spec\.path: Invalid value: "mcp": must start with "\/"/);
    expect('"(unclosed"', /spec\.headers\[0\]\.value: Invalid value: "\(unclosed": not a valid regular expression/);
    expect('name: svc', /spec\.backendRefs\[0\]\.name: Service backends are not supported by aigw run.*hint: define a Backend/);
    expect('includeRegex: ["("]', /spec\.backendRefs\[1\]\.toolSelector\.includeRegex\[0\]: Invalid value: "\(": not a valid regular expression/);
    expect('apiKeyAuth:', /spec\.securityPolicy\.apiKeyAuth: securityPolicy\.apiKeyAuth is not supported by aigw run \(hint: aigw run authenticates MCP clients with securityPolicy\.oauth only/);
    expect('extAuth:', /spec\.securityPolicy\.extAuth: securityPolicy\.extAuth is not supported by aigw run/);
    expect('cel: "foo == 1"', /rules\[0\]\.cel: Invalid value: CEL expression "foo == 1": undeclared reference to "foo"/);
    expect('cel: "request.method"', /rules\[1\]\.cel: Invalid value: CEL expression "request\.method" must evaluate to a bool/);
  });

  it('reports OAuth, JWKS and header-annotation problems', () => {
    const oauth = (jwks: string): string => `${PARENT}${BACKEND}  securityPolicy:
    oauth:
      issuer: not a uri
      jwks:
${jwks}      protectedResourceMetadata:
        resource: https://mcp.example.com/mcp
`;
    // The schema's format and CEL rules: admission refuses these before any reader.
    const both = problems(config(oauth('        remoteJWKS:\n          uri: https://a/jwks\n          backendRefs: [{name: x, port: 80}]\n        localJWKS:\n          inline: "{}"\n')));
    assert.ok(both.some((p) => /spec\.securityPolicy\.oauth\.issuer: Invalid value: "not a uri": spec\.securityPolicy\.oauth\.issuer in body must be of type uri/.test(p)), both.join('\n'));
    assert.ok(both.some((p) => /oauth\.jwks: Invalid value: "object": remoteJWKS and localJWKS cannot both be specified\./.test(p)));
    const valid = (jwks: string): string => oauth(jwks).replace('issuer: not a uri', 'issuer: https://auth.example.com');
    const remote = problems(config(valid('        remoteJWKS:\n          uri: https://a/jwks\n          backendRefs: [{name: x, port: 80}]\n')));
    assert.ok(remote.some((p) => /remoteJWKS\.backendRefs: remoteJWKS\.backendRefs is not supported by aigw run/.test(p)), remote.join('\n'));
    const local = problems(config(valid('        localJWKS:\n          inline: "{}"\n')));
    assert.ok(local.some((p) => /localJWKS\.inline: Invalid value: the JWKS must be a JSON object with a "keys" list/.test(p)), local.join('\n'));
    const secretRef = problems(config(valid('        localJWKS:\n          type: ValueRef\n          valueRef:\n            group: ""\n            kind: Secret\n            name: jwks\n')));
    assert.ok(secretRef.some((p) => /valueRef\.kind: Secret is not supported by aigw run for localJWKS\.valueRef \(hint: reference a ConfigMap/.test(p)), secretRef.join('\n'));
    const none = problems(config(valid('')));
    assert.ok(none.some((p) => /oauth\.issuer: oauth without jwks is not supported by aigw run/.test(p)), none.join('\n'));

    const annotation = (value: string): string => `  annotations:\n    mcp-headers.aigw.run/tools: '${value}'\n    mcp-headers.aigw.run/other: '{}'\n`;
    const bad = config(`${PARENT}${BACKEND}`, '', annotation('{"X-A": 1, "bad name": "v"'));
    const badProblems = problems(bad);
    const line = lineOf(bad, 'mcp-headers.aigw.run/tools');
    assert.ok(badProblems.some((p) => p.startsWith(`mcp.yaml:${line}:`) && p.includes('metadata.annotations[mcp-headers.aigw.run/tools]: Invalid value: not JSON')), badProblems.join('\n'));
    assert.ok(badProblems.some((p) => p.includes('metadata.annotations[mcp-headers.aigw.run/other]: no backendRef is named "other"')));
    const wrong = problems(config(`${PARENT}${BACKEND}`, '', annotation('{"X-A": 1, "bad name": "v"}')));
    assert.ok(wrong.some((p) => p.includes('header "X-A": must be a string')), wrong.join('\n'));
    assert.ok(wrong.some((p) => p.includes('"bad name": must be an HTTP header name')));
    const good = analyzeSources([{ file: 'mcp.yaml', text: config(`${PARENT}${BACKEND}`, '', '  annotations:\n    mcp-headers.aigw.run/tools: \'{"X-Team": "blue", "Authorization": "Basic abc"}\'\n') }], {});
    assert.deepEqual(good.model?.mcpRoutes[0]?.config.backends[0]?.headers, [
      { name: 'X-Team', value: 'blue' },
      { name: 'Authorization', value: 'Basic abc' },
    ]);
  });
});
