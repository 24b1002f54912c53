import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isRecord } from '../common/json-guards.js';
import { analyzeSources, compileConfig } from './compile-config.js';
import { ConfigError, formatDiagnostic, type Diagnostic } from './diagnostic.js';
import { MAX_CONFIG_BYTES } from './read-config-file.js';

const OPTIONS = { file: 'gw.yaml', extProcSocketPath: '/run/aigw/extproc.sock', systemCaFile: '/etc/ssl/certs/ca.pem' };

const BASE = `apiVersion: gateway.networking.k8s.io/v1
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
      port: 8080
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIGatewayRoute
metadata:
  name: route
spec:
  parentRefs:
    - name: gw
      kind: Gateway
      group: gateway.networking.k8s.io
  rules:
    - matches:
        - headers:
            - type: Exact
              name: x-ai-eg-model
              value: gpt-4o-mini
      backendRefs:
        - name: openai
          modelNameOverride: gpt-4o-mini-2024
    - matches:
        - headers:
            - type: RegularExpression
              name: x-ai-eg-model
              value: llama.*
            - name: x-tenant
              value: blue
      backendRefs:
        - name: local
          weight: 3
        - name: openai
          priority: 1
      timeouts:
        request: 2m
  llmRequestCosts:
    - metadataKey: llm_input_token
      type: InputToken
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
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: AIServiceBackend
metadata:
  name: local
spec:
  schema:
    name: OpenAI
    prefix: api/v1
  backendRef:
    name: local
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
  name: local
spec:
  endpoints:
    - ip:
        address: 127.0.0.1
        port: 11434
---
apiVersion: gateway.networking.k8s.io/v1alpha3
kind: BackendTLSPolicy
metadata:
  name: openai-tls
spec:
  targetRefs:
    - group: gateway.envoyproxy.io
      kind: Backend
      name: openai
  validation:
    wellKnownCACertificates: System
    hostname: api.openai.com
---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: BackendSecurityPolicy
metadata:
  name: openai-key
spec:
  targetRefs:
    - group: aigateway.envoyproxy.io
      kind: AIServiceBackend
      name: openai
  type: APIKey
  apiKey:
    secretRef:
      name: openai-key
---
apiVersion: v1
kind: Secret
metadata:
  name: openai-key
type: Opaque
data:
  apiKey: \${KEY_B64}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata:
  name: limit
spec:
  targetRefs:
    - group: gateway.networking.k8s.io
      kind: Gateway
      name: gw
  connection:
    bufferLimit: 10Mi
`;

const ENV = { KEY_B64: Buffer.from('sk-secret\n').toString('base64') };

function compileError(text: string): string[] {
  try {
    compileConfig(text, { ...OPTIONS, env: ENV });
  } catch (error) {
    if (error instanceof ConfigError) return error.diagnostics.filter((d) => d.severity === 'error').map(formatDiagnostic);
    throw error;
  }
  assert.fail('expected a ConfigError');
}

test('compiles routes, backends, TLS, credentials and limits', () => {
  const compiled = compileConfig(BASE, { ...OPTIONS, env: ENV });
  assert.deepEqual(compiled.warnings, []);
  const { filterConfig, model } = compiled;
  assert.deepEqual(model.listeners.map((listener) => [listener.name, listener.port, listener.bufferLimitBytes]), [['default/gw/http', 8080, 10 * 1024 * 1024]]);
  assert.deepEqual(
    filterConfig.backends.map((backend) => [backend.name, backend.schema, backend.auth && 'key' in backend.auth ? backend.auth.key : undefined, backend.modelNameOverride]),
    [
      ['default/openai/route/route/rule/0/ref/0', { name: 'OpenAI', prefix: 'v1' }, 'sk-secret', 'gpt-4o-mini-2024'],
      ['default/local/route/route/rule/1/ref/0', { name: 'OpenAI', prefix: 'api/v1' }, undefined, undefined],
      ['default/openai/route/route/rule/1/ref/1', { name: 'OpenAI', prefix: 'v1' }, 'sk-secret', undefined],
    ],
  );
  assert.deepEqual(filterConfig.routes, [{ name: 'default/route', costs: [{ metadataKey: 'llm_input_token', type: 'InputToken' }] }]);
  assert.deepEqual(filterConfig.models, [{ name: 'gpt-4o-mini', hostnames: [], listeners: ['default/gw/http'], ownedBy: 'Envoy AI Gateway' }]);

  assert.deepEqual(
    filterConfig.rules.map((rule) => [rule.name, rule.mode, rule.headers.map((header) => `${header.name}${header.type === 'Exact' ? '=' : '~'}${header.value}`), rule.backends]),
    [
      ['default/route/rule/1', 'upstream', ['x-ai-eg-model~llama.*', 'x-tenant=blue'], [
        { name: 'default/local/route/route/rule/1/ref/0', weight: 3, priority: 0 },
        { name: 'default/openai/route/route/rule/1/ref/1', weight: 1, priority: 1 },
      ]],
      ['default/route/rule/0', 'router', ['x-ai-eg-model=gpt-4o-mini'], [{ name: 'default/openai/route/route/rule/0/ref/0', weight: 1, priority: 0 }]],
    ],
  );

  const bootstrap = JSON.stringify(compiled.bootstrap);
  assert.match(bootstrap, /"per_connection_buffer_limit_bytes":10485760/);
  assert.match(bootstrap, /"headers":\[\{"name":"x-ai-eg-route","string_match":\{"exact":"default\/openai\/route\/route\/rule\/0\/ref\/0"\}\}\]/);
  assert.match(bootstrap, /"headers":\[\{"name":"x-ai-eg-route","string_match":\{"exact":"default\/route\/rule\/1"\}\}\]/);
  assert.match(bootstrap, /"sni":"api.openai.com"/);
  assert.match(bootstrap, /"trusted_ca":\{"filename":"\/etc\/ssl\/certs\/ca.pem"\}/);
  assert.match(bootstrap, /"timeout":"120s"/);
  assert.match(bootstrap, /"pipe":\{"path":"\/run\/aigw\/extproc.sock"\}/);
  assert.doesNotMatch(bootstrap, /sk-secret/, 'credentials stay out of the Envoy config');
});

test('rules with fallback priorities get one cluster with the upstream filter; others a cluster per backend without it', () => {
  const { bootstrap } = compileConfig(BASE, { ...OPTIONS, env: ENV });
  const resources = isRecord(bootstrap) && isRecord(bootstrap.static_resources) ? bootstrap.static_resources : {};
  const clusters = Array.isArray(resources.clusters) ? resources.clusters : [];
  const cluster = (name: string): string => JSON.stringify(clusters.find((entry) => isRecord(entry) && entry.name === name) ?? null);
  assert.match(cluster('default/route/rule/1'), /envoy.filters.http.upstream_codec/);
  assert.doesNotMatch(cluster('default/openai/route/route/rule/0/ref/0'), /envoy.filters.http.upstream_codec/);
  assert.match(cluster('default/openai/route/route/rule/0/ref/0'), /"type":"STRICT_DNS"/);
});

test('weights and priorities become localities of one cluster per rule', () => {
  const { bootstrap } = compileConfig(BASE, { ...OPTIONS, env: ENV });
  const text = JSON.stringify(bootstrap);
  assert.match(text, /"name":"default\/route\/rule\/1","type":"STRICT_DNS"/);
  assert.match(text, /"load_balancing_weight":3,"priority":0/);
  assert.match(text, /"load_balancing_weight":1,"priority":1/);
});

test('output is deterministic', () => {
  const first = JSON.stringify(compileConfig(BASE, { ...OPTIONS, env: ENV }));
  const second = JSON.stringify(compileConfig(BASE, { ...OPTIONS, env: ENV }));
  assert.equal(first, second);
});

test('reports every problem with file:line:col, resource and field path', () => {
  const broken = BASE.replace('      modelNameOverride: gpt-4o-mini-2024', '      modelNameOverride: gpt-4o-mini-2024\n          colour: blue')
    .replace('        - name: local\n          weight: 3', '        - name: missing-backend\n          weight: 3')
    .replace('    name: OpenAI\n    prefix: api/v1', '    name: OpenAl\n    prefix: api/v1');
  const errors = compileError(broken);
  assert.deepEqual(errors, [
    'gw.yaml:37:11: error: AIGatewayRoute "route": spec.rules[0].backendRefs[0].colour: unknown field "colour" (hint: remove it, or use one of the fields known here: bodyMutation, group, headerMutation, kind, modelNameOverride, name, namespace, priority, weight)',
    // Admission's verdict, in the API server's words: the readers never see a rejected resource.
    'gw.yaml:74:5: error: AIServiceBackend.aigateway.envoyproxy.io "local" is invalid: spec.schema.name: Unsupported value: "OpenAl": supported values: "OpenAI", "Cohere", "AWSBedrock", "AzureOpenAI", "GCPVertexAI", "GCPAnthropic", "Anthropic", "AWSAnthropic" (hint: did you mean "OpenAI"?)',
  ]);
});

test('dangling references are errors at the reference', () => {
  const errors = compileError(BASE.replace('        - name: local\n          weight: 3', '        - name: missing-backend\n          weight: 3').replace('      name: openai-key\n---', '      name: no-such-secret\n---'));
  assert.equal(errors.length, 2, errors.join('\n'));
  assert.match(errors[0] ?? '', /^gw.yaml:\d+:\d+: error: AIGatewayRoute "route": spec.rules\[1\].backendRefs\[0\].name: AIServiceBackend default\/missing-backend not found/);
  assert.match(errors[1] ?? '', /BackendSecurityPolicy "openai-key": spec.apiKey.secretRef.name: Secret default\/no-such-secret not found/);
});

test('unsupported kinds, bad CEL costs, missing Gateway and bad YAML are reported, not dropped', () => {
  assert.match(compileError(`${BASE}---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: x\nspec: {}\n`).join('\n'), /kind Widget \(example.com\/v1\) is not supported by aigw run/);
  const withWorkload = compileConfig(`${BASE}---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\nspec: {}\n`, { ...OPTIONS, env: ENV });
  assert.match(withWorkload.warnings.map(formatDiagnostic).join('\n'), /warning: Deployment "x": kind: Deployment is not gateway configuration; aigw run skips it/);
  assert.match(compileError(BASE.replace('      type: InputToken', '      type: CEL\n      cel: input_tokens +')).join('\n'), /spec.llmRequestCosts\[0\].cel: cannot parse CEL cost expression/);
  const cel = compileConfig(BASE.replace('      type: InputToken', '      type: CEL\n      cel: input_tokens * uint(2)'), { ...OPTIONS, env: ENV });
  assert.deepEqual(cel.filterConfig.routes[0]?.costs, [{ metadataKey: 'llm_input_token', type: 'CEL', cel: 'input_tokens * uint(2)' }]);
  assert.match(compileError(BASE.replace(/^[\s\S]*?---\n[\s\S]*?---\n/, '')).join('\n'), /no Gateway found/);
  assert.match(compileError('kind: [unclosed\n').join('\n'), /^gw.yaml:\d+:\d+: error: /);
  assert.match(compileError('model: ${OOPS\n').join('\n'), /^gw.yaml:1:8: error: closing brace expected/);
});

test('CEL costs: every upstream variable compiles; an unknown name is refused (as unsupported) with the variable it meant', () => {
  const everyVariable = 'model == "m" || backend == "b" || route_name == "r" ? input_tokens + cached_input_tokens + cache_creation_input_tokens + output_tokens + total_tokens + reasoning_tokens : uint(0)';
  const compiled = compileConfig(BASE.replace('      type: InputToken', `      type: CEL\n      cel: '${everyVariable}'`), { ...OPTIONS, env: ENV });
  assert.deepEqual(compiled.filterConfig.routes[0]?.costs, [{ metadataKey: 'llm_input_token', type: 'CEL', cel: everyVariable }]);

  let diagnostics: readonly Diagnostic[] = [];
  try {
    compileConfig(BASE.replace('      type: InputToken', '      type: CEL\n      cel: input_tokens + cached_input_token'), { ...OPTIONS, env: ENV });
  } catch (error) {
    if (error instanceof ConfigError) diagnostics = error.diagnostics;
  }
  assert.equal(diagnostics.length, 1, diagnostics.map(formatDiagnostic).join('\n'));
  const [diagnostic] = diagnostics;
  // Kubernetes takes any string there: validate warns, run and translate refuse.
  assert.equal(diagnostic?.category, 'unsupported');
  assert.equal(diagnostic?.severity, 'error');
  assert.match(formatDiagnostic(diagnostic ?? { severity: 'error', file: '', message: '' }), /^gw.yaml:\d+:\d+: error: AIGatewayRoute "route": spec.llmRequestCosts\[0\].cel: CEL cost expression "input_tokens \+ cached_input_token": undeclared reference to "cached_input_token" \(hint: did you mean "cached_input_tokens"\?\)$/);
});

test('header and body mutations merge: the route backendRef wins over the AIServiceBackend', () => {
  const text = BASE.replace('          modelNameOverride: gpt-4o-mini-2024\n', `          modelNameOverride: gpt-4o-mini-2024
          bodyMutation:
            set:
              - path: temperature
                value: "0.2"
            remove: [user]
          headerMutation:
            set:
              - name: X-Team
                value: route
`).replace('kind: AIServiceBackend\nmetadata:\n  name: openai\nspec:\n', `kind: AIServiceBackend
metadata:
  name: openai
spec:
  bodyMutation:
    set:
      - path: temperature
        value: "0.9"
      - path: service_tier
        value: flex
    remove: [n]
  headerMutation:
    set:
      - name: x-team
        value: backend
    remove: [x-debug]
`);
  const backend = compileConfig(text, { ...OPTIONS, env: ENV }).filterConfig.backends[0];
  assert.deepEqual(backend?.bodyMutation, { set: [{ path: 'temperature', value: '0.2' }, { path: 'service_tier', value: 'flex' }], remove: ['n', 'user'] });
  assert.deepEqual(backend?.headerMutation, { set: [{ name: 'x-team', value: 'route' }], remove: ['x-debug'] });
});

test('GatewayConfig: global costs under the route\'s own, ext_proc environment', () => {
  const text = BASE.replace('kind: Gateway\nmetadata:\n  name: gw\n', 'kind: Gateway\nmetadata:\n  name: gw\n  annotations:\n    aigateway.envoyproxy.io/gateway-config: gw-config\n') +
    `---
apiVersion: aigateway.envoyproxy.io/v1beta1
kind: GatewayConfig
metadata:
  name: gw-config
spec:
  globalLLMRequestCosts:
    - metadataKey: llm_input_token
      type: OutputToken
    - metadataKey: llm_total_token
      type: TotalToken
  extProc:
    kubernetes:
      env:
        - name: OTEL_SERVICE_NAME
          value: my-gateway
      resources:
        limits:
          cpu: "1"
`;
  const compiled = compileConfig(text, { ...OPTIONS, env: ENV });
  assert.deepEqual(compiled.filterConfig.routes[0]?.costs, [
    { metadataKey: 'llm_input_token', type: 'InputToken' },
    { metadataKey: 'llm_total_token', type: 'TotalToken' },
  ]);
  assert.deepEqual(compiled.model.extProcEnv, { OTEL_SERVICE_NAME: 'my-gateway' });
  assert.match(compiled.warnings.map(formatDiagnostic).join('\n'), /spec.extProc.kubernetes.resources: ignored by aigw run/);
  assert.match(compileError(text.replace('gateway-config: gw-config', 'gateway-config: nope')).join('\n'), /GatewayConfig default\/nope not found/);
});

test('a match shadowed by an earlier rule is a warning', () => {
  const text = BASE.replace('  llmRequestCosts:\n', `    - matches:
        - headers:
            - type: Exact
              name: x-ai-eg-model
              value: gpt-4o-mini
      backendRefs:
        - name: local
  llmRequestCosts:
`);
  const warnings = compileConfig(text, { ...OPTIONS, env: ENV }).warnings.map(formatDiagnostic);
  assert.deepEqual(warnings.filter((w) => w.includes('never applies')), [
    'gw.yaml:52:11: warning: AIGatewayRoute "route": spec.rules[2].matches[0]: model "gpt-4o-mini" is matched first by rule 0 of AIGatewayRoute route: this match never applies',
  ]);
});

test('the shipped example compiles', () => {
  const text = readFileSync(new URL('../../examples/openai-compatible.yaml', import.meta.url), 'utf8');
  const compiled = compileConfig(text, { ...OPTIONS, env: { OPENAI_API_KEY: 'sk-1' } });
  assert.equal(compiled.model.listeners[0]?.port, 1975);
  const auth = compiled.filterConfig.backends[0]?.auth;
  assert.equal(auth && 'key' in auth ? auth.key : undefined, 'sk-1');
});

test('413 local replies carry the buffer limit, in the client API\'s error shape', () => {
  const { bootstrap } = compileConfig(BASE, { ...OPTIONS, env: ENV });
  const text = JSON.stringify(bootstrap);
  const message = "request body is larger than the gateway's buffer limit of 10Mi (10485760 bytes); raise it with a ClientTrafficPolicy spec.connection.bufferLimit";
  // static_resources.listeners[0].filter_chains[0].filters[1] (after connection_limit).typed_config.local_reply_config.mappers
  const isList = (value: unknown): value is readonly unknown[] => Array.isArray(value);
  const at = (value: unknown, key: string | number): unknown => (isList(value) ? value[Number(key)] : isRecord(value) ? value[key] : undefined);
  const mappers = ['static_resources', 'listeners', 0, 'filter_chains', 0, 'filters', 1, 'typed_config', 'local_reply_config', 'mappers'].reduce(at, bootstrap);
  assert.ok(isList(mappers));
  const shapes = mappers.slice(0, 3).map((mapper) => (isRecord(mapper) && isRecord(mapper.body_format_override) ? mapper.body_format_override.json_format : undefined));
  assert.deepEqual(shapes, [{ type: 'error', error: { type: 'request_too_large', message } }, { message }, { type: 'error', error: { type: 'PayloadTooLarge', code: '413', message } }]);
  assert.match(text, /"header_filter":\{"header":\{"name":":path","string_match":\{"prefix":"\/anthropic\/"\}\}\}/);
  assert.match(text, /"prefix":"\/cohere\/"/);
});

test('a file too large, binary or expanding past the limit is one diagnostic, never a throw', () => {
  const analyze = (text: string, env: Record<string, string> = {}): string[] => analyzeSources([{ file: 'c.yaml', text }], env).diagnostics.map(formatDiagnostic);
  assert.deepEqual(analyze(`# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`), [
    'c.yaml: error: the file is more than 4 MiB; aigw reads configuration files of at most 4 MiB (hint: is this the right file? a real configuration is a few kilobytes)',
  ]);
  // Measured in bytes: 1.5 M three-byte characters are 4.5 MB.
  assert.equal(analyze(`# ${'€'.repeat(1_500_000)}`).length, 1);
  assert.deepEqual(analyze('kind: Gateway\n\u0000\u0001\u00ff\n'), ['c.yaml:2:1: error: invalid YAML: the control character U+0000 is not allowed in a YAML file (is it a binary file?)']);
  assert.deepEqual(analyze('a: $BIG\nb: $BIG\nc: $BIG\n', { BIG: 'x'.repeat(2 * 1024 * 1024) }), [
    `c.yaml:2:4: error: environment substitution makes the configuration longer than ${MAX_CONFIG_BYTES} characters (at $BIG) (hint: a variable used here (or used many times) holds far more text than a configuration needs; check its value)`,
  ]);
});

test('a kind its API group does not have is "no matches", an error even for validate', () => {
  const doc = (apiVersion: string, kind: string): string => `${BASE}---\napiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: x\nspec: {}\n`;
  const analyze = (text: string): string[] => analyzeSources([{ file: 'k.yaml', text }], ENV).diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.message}${d.hint ? ` (${d.hint})` : ''}${d.category ? ` [${d.category}]` : ''}`);
  assert.deepEqual(analyze(doc('gateway.networking.k8s.io/v1', 'Frobnicator')), [
    'no matches for kind "Frobnicator" in version "gateway.networking.k8s.io/v1" (the kinds of gateway.networking.k8s.io are GatewayClass, Gateway, HTTPRoute, GRPCRoute, ReferenceGrant, BackendTLSPolicy, TLSRoute, TCPRoute, UDPRoute, BackendLBPolicy, ListenerSet)',
  ]);
  assert.deepEqual(analyze(doc('aigateway.envoyproxy.io/v1beta1', 'AIServiceBackendz')), ['no matches for kind "AIServiceBackendz" in version "aigateway.envoyproxy.io/v1beta1" (did you mean "AIServiceBackend"?)']);
  assert.deepEqual(analyze(doc('gateway.envoyproxy.io/v1alpha1', 'backends')), ['no matches for kind "backends" in version "gateway.envoyproxy.io/v1alpha1" (did you mean "Backend"?)']);
  // A real kind aigw does not compile, or a kind of another group (a CRD it cannot know): unsupported.
  assert.deepEqual(analyze(doc('gateway.networking.k8s.io/v1', 'GRPCRoute')), ['kind GRPCRoute (gateway.networking.k8s.io/v1) is not supported by aigw run (remove this resource from the file) [unsupported]']);
  assert.deepEqual(analyze(doc('example.com/v1', 'Widget')), ['kind Widget (example.com/v1) is not supported by aigw run (remove this resource from the file) [unsupported]']);
});

test('bufferLimit must fit Envoy\'s uint32 buffer limit; a fraction is no int-or-string', () => {
  const limit = (value: string): string[] => compileError(BASE.replace('bufferLimit: 10Mi', `bufferLimit: ${value}`));
  assert.match(limit('5Gi').join('\n'), /spec\.connection\.bufferLimit: Invalid value: "5Gi": must be between 1 byte and 4Gi minus one byte \(4294967295\)/);
  assert.match(limit('0').join('\n'), /spec\.connection\.bufferLimit: Invalid value: 0: must be between 1 byte/);
  // The schema's pattern refuses it at admission, before the reader would.
  assert.match(limit('-1Mi').join('\n'), /spec\.connection\.bufferLimit: Invalid value: "-1Mi": spec\.connection\.bufferLimit in body should match/);
  // As the API server would: x-kubernetes-int-or-string takes an integer or a string.
  assert.match(limit('1000.5').join('\n'), /spec\.connection\.bufferLimit in body must be of type integer,string: "number"/);
});

test('client limits: Gateway addresses, ClientTrafficPolicy timeouts and connection limits, BackendTrafficPolicy circuit breaker', () => {
  const text = `${BASE.replace('  gatewayClassName: gw\n', '  gatewayClassName: gw\n  addresses:\n    - value: 0.0.0.0\n')}---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata:
  name: limits
spec:
  targetRefs:
    - {group: gateway.networking.k8s.io, kind: Gateway, name: gw}
  connection:
    connectionLimit: {value: 50, closeDelay: 2s}
  timeout:
    http: {requestReceivedTimeout: 30s, idleTimeout: 1m, streamIdleTimeout: 15m}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata:
  name: breaker
spec:
  targetRefs:
    - {group: gateway.networking.k8s.io, kind: HTTPRoute, name: route}
  circuitBreaker: {maxParallelRequests: 7, maxPendingRequests: 3}
`;
  const { model } = compileConfig(text, { ...OPTIONS, env: ENV });
  const [listener] = model.listeners;
  assert.deepEqual(listener?.addresses, ['0.0.0.0']);
  assert.deepEqual(listener?.client, { connectionLimit: 50, connectionCloseDelayMs: 2000, requestHeadersTimeoutMs: 10_000, requestReceivedTimeoutMs: 30_000, idleTimeoutMs: 60_000, streamIdleTimeoutMs: 900_000 });
  assert.deepEqual(model.routes[0]?.rules[0]?.circuitBreaker, { maxParallelRequests: 7, maxPendingRequests: 3 });
  const overridden = JSON.stringify(compileConfig(text, { ...OPTIONS, env: ENV, listenAddress: '::1' }).bootstrap);
  assert.match(overridden, /"address":\{"socket_address":\{"address":"::1","port_value":8080\}\}/);
  // Without addresses or a flag, listeners bind loopback only.
  assert.match(JSON.stringify(compileConfig(BASE, { ...OPTIONS, env: ENV }).bootstrap), /"address":\{"socket_address":\{"address":"127.0.0.1","port_value":8080\}\}/);
});

test('client limits that aigw cannot honour are errors with their field path', () => {
  const text = `${BASE.replace('  gatewayClassName: gw\n', '  gatewayClassName: gw\n  addresses:\n    - {type: Hostname, value: gw.example.com}\n')}---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata:
  name: limits
spec:
  targetRefs:
    - {group: gateway.networking.k8s.io, kind: Gateway, name: gw}
  timeout:
    http: {idleTimeout: soon}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata:
  name: breaker
spec:
  targetRefs:
    - {group: gateway.networking.k8s.io, kind: HTTPRoute, name: route}
  circuitBreaker: {maxParallelRequests: -1, perEndpoint: {maxConnections: 1}}
`;
  const messages = compileError(text);
  const expect = (pattern: RegExp): void => assert.ok(messages.some((message) => pattern.test(message)), `no diagnostic matches ${pattern}:\n${messages.join('\n')}`);
  expect(/Gateway "gw": spec\.addresses\[0\]\.type: Unsupported value: "Hostname"/);
  // An address that is no IP is the schema's to refuse, at admission.
  const notAnIp = compileError(BASE.replace('  gatewayClassName: gw\n', '  gatewayClassName: gw\n  addresses:\n    - value: not-an-ip\n'));
  assert.match(notAnIp.join('\n'), /Gateway\.gateway\.networking\.k8s\.io "gw" is invalid: spec\.addresses\[0\]/);
  expect(/spec\.timeout\.http\.idleTimeout: Invalid value: "soon"/);
  expect(/spec\.circuitBreaker\.maxParallelRequests: Invalid value: -1/);
  expect(/spec\.circuitBreaker\.perEndpoint: circuitBreaker\.perEndpoint is not supported by aigw run/);
});
