/**
 * Clients cannot steer the gateway with its own headers or borrow credentials:
 * - `x-ai-eg-route` naming another backend's (or rule's) Envoy route never reaches it, whatever
 *   else the request does (a valid model, an unknown model, bad JSON, no body, an unknown path);
 * - `x-ai-eg-model` and `x-ai-eg-original-path` are replaced by the gateway's own values;
 * - `x-ai-eg-mcp-route` / `x-ai-eg-mcp-backend` cannot move an MCP session to another MCPRoute
 *   (e.g. past its OAuth), and are not forwarded to LLM providers;
 * - no other `x-ai-eg-*` header a client sends (upstream's `x-ai-eg-upstream-host` and
 *   `x-ai-eg-internal-req-id`, or any name under the prefix) reaches a provider;
 * - credential override headers are used only by the backend whose BackendSecurityPolicy
 *   declares them, and are never forwarded to any provider (nor the gateway's `x-aigw-*`
 *   credential headers), so a client cannot pick another backend's key or hand its own to a
 *   provider that does not expect it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { exportJWK, generateKeyPair } from 'jose';
import { stringify } from 'yaml';
import { compileConfig } from '../../compiler/compile-config.js';
import { startTestBackend, type TestBackend as McpBackend } from '../support/mcp-test-backend.js';
import { freePort, startAigw, type AigwProcess } from '../support/aigw-process.js';
import { instructions, startInstructedUpstream, type InstructedUpstream } from '../support/instructed-upstream.js';

const CHAT_ANSWER = JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: 'm', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] });
const TENANT_HEADER = 'x-tenant-key';
/**
 * Every header a client might use to smuggle a credential or steer the gateway. (The gateway's own
 * x-ai-eg-model / x-ai-eg-route / x-ai-eg-original-path values, replacing the client's, may reach
 * providers: Envoy keeps a failed attempt's headers for the retry, which needs them.)
 */
const NEVER_FORWARDED = [
  TENANT_HEADER,
  'x-aigw-aws-access-key-id',
  'x-aigw-aws-secret-access-key',
  'x-aigw-aws-session-token',
  'x-aigw-azure-access-token',
  'x-ai-eg-mcp-route',
  'x-ai-eg-mcp-backend',
  'x-ai-eg-upstream-host',
  'x-ai-eg-internal-req-id',
  'x-ai-eg-anything',
];
const SMUGGLED = {
  [TENANT_HEADER]: 'sk-smuggled-tenant',
  'x-aigw-aws-access-key-id': 'AKIASMUGGLED',
  'x-aigw-aws-secret-access-key': 'smuggled-secret',
  'x-aigw-aws-session-token': 'smuggled-session',
  'x-aigw-azure-access-token': 'smuggled-azure-token',
  'x-ai-eg-mcp-route': 'default/secure',
  'x-ai-eg-mcp-backend': 'default/secure',
  // Upstream's SigV4 host header: a client must not choose the host a request is signed for.
  'x-ai-eg-upstream-host': 'attacker.example.com',
  'x-ai-eg-internal-req-id': 'forged-request-id',
  'x-ai-eg-anything': 'made-up',
};

const BACKENDS = ['a', 'b', 'open'] as const;
type BackendName = (typeof BACKENDS)[number];

let upstreams: Record<BackendName, InstructedUpstream>;
let mcpFull: McpBackend;
let mcpSimple: McpBackend;
let aigw: AigwProcess;
let port: number;
let configYaml: string;

function config(jwks: string): string {
  const gateway = { name: 'aigw-run', kind: 'Gateway', group: 'gateway.networking.k8s.io' };
  const ref = (name: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name, ...extra });
  const modelRule = (model: string, refs: Record<string, unknown>[]): Record<string, unknown> => ({ matches: [{ headers: [{ type: 'Exact', name: 'x-ai-eg-model', value: model }] }], backendRefs: refs });
  const backend = (name: BackendName): Record<string, unknown>[] => [
    { apiVersion: 'aigateway.envoyproxy.io/v1beta1', kind: 'AIServiceBackend', metadata: { name, namespace: 'default' }, spec: { schema: { name: 'OpenAI' }, backendRef: { name, kind: 'Backend', group: 'gateway.envoyproxy.io' } } },
    { apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'Backend', metadata: { name, namespace: 'default' }, spec: { endpoints: [{ ip: { address: '127.0.0.1', port: upstreams[name].port } }] } },
  ];
  const keyPolicy = (name: BackendName, override: boolean): Record<string, unknown>[] => [
    { apiVersion: 'v1', kind: 'Secret', metadata: { name: `${name}-key`, namespace: 'default' }, stringData: { apiKey: `sk-configured-${name}` } },
    {
      apiVersion: 'aigateway.envoyproxy.io/v1beta1',
      kind: 'BackendSecurityPolicy',
      metadata: { name: `${name}-policy`, namespace: 'default' },
      spec: {
        targetRefs: [{ group: 'aigateway.envoyproxy.io', kind: 'AIServiceBackend', name }],
        type: 'APIKey',
        apiKey: { secretRef: { name: `${name}-key` } },
        ...(override ? { credentialOverride: { fromRequestHeaders: { header: TENANT_HEADER, fallbackToConfigured: true } } } : {}),
      },
    },
  ];
  const mcpBackend = (name: string, url: string): Record<string, unknown> => ({
    apiVersion: 'gateway.envoyproxy.io/v1alpha1',
    kind: 'Backend',
    metadata: { name, namespace: 'default' },
    spec: { endpoints: [{ ip: { address: new URL(url).hostname, port: Number(new URL(url).port) } }] },
  });
  const mcpRef = (name: string, url: string): Record<string, unknown> => ({ name, kind: 'Backend', group: 'gateway.envoyproxy.io', path: new URL(url).pathname });
  const documents: Record<string, unknown>[] = [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'aigw-run' }, spec: { controllerName: 'gateway.envoyproxy.io/gatewayclass-controller' } },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'aigw-run', namespace: 'default' }, spec: { gatewayClassName: 'aigw-run', listeners: [{ name: 'http', protocol: 'HTTP', port }] } },
    {
      apiVersion: 'aigateway.envoyproxy.io/v1beta1',
      kind: 'AIGatewayRoute',
      metadata: { name: 'llm', namespace: 'default' },
      spec: {
        parentRefs: [gateway],
        rules: [
          modelRule('model-a', [ref('a')]),
          modelRule('model-b', [ref('b')]),
          modelRule('model-open', [ref('open')]),
          // Fallback priorities: an upstream-mode rule (translated per attempt from x-ai-eg-original-path).
          modelRule('model-fallback', [ref('open', { priority: 0 }), ref('b', { priority: 1 })]),
        ],
      },
    },
    ...BACKENDS.flatMap(backend),
    ...keyPolicy('a', true),
    ...keyPolicy('b', false),
    { apiVersion: 'aigateway.envoyproxy.io/v1alpha1', kind: 'MCPRoute', metadata: { name: 'public', namespace: 'default' }, spec: { parentRefs: [gateway], path: '/mcp', backendRefs: [mcpRef('simple', mcpSimple.url)] } },
    {
      apiVersion: 'aigateway.envoyproxy.io/v1alpha1',
      kind: 'MCPRoute',
      metadata: { name: 'secure', namespace: 'default' },
      spec: {
        parentRefs: [gateway],
        path: '/secure/mcp',
        backendRefs: [mcpRef('full', mcpFull.url)],
        securityPolicy: {
          oauth: {
            issuer: 'https://issuer.example.test',
            audiences: ['aigw-test'],
            jwks: { localJWKS: { type: 'Inline', inline: jwks } },
            protectedResourceMetadata: { resource: `http://localhost:${port}/secure/mcp` },
          },
        },
      },
    },
    mcpBackend('full', mcpFull.url),
    mcpBackend('simple', mcpSimple.url),
  ];
  return documents.map((document) => stringify(document)).join('---\n');
}

before(async () => {
  const [a, b, open] = await Promise.all(BACKENDS.map(() => startInstructedUpstream()));
  assert.ok(a && b && open);
  upstreams = { a, b, open };
  mcpFull = await startTestBackend('full');
  mcpSimple = await startTestBackend('simple');
  port = await freePort();
  const keys = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  configYaml = config(JSON.stringify({ keys: [jwk] }));
  aigw = await startAigw({ configYaml, captureStdout: false });
});

after(async () => {
  await aigw?.stop();
  await Promise.all(Object.values(upstreams ?? {}).map((upstream) => upstream.close()));
  await mcpFull?.close();
  await mcpSimple?.close();
});

/** The Envoy route targets (`x-ai-eg-route` values) the gateway itself uses, by rule. */
function routeTargets(): string[] {
  const compiled = compileConfig(configYaml, { file: 'spoofing.yaml', env: {}, extProcSocketPath: '/tmp/x.sock', mcpProxySocketPath: '/tmp/y.sock' });
  return compiled.model.routes.flatMap((route) => route.rules.flatMap((rule) => (rule.mode === 'upstream' ? [rule.cluster] : rule.refs.map((entry) => entry.backend.name))));
}

function counts(): Record<BackendName, number> {
  return { a: upstreams.a.requests.length, b: upstreams.b.requests.length, open: upstreams.open.requests.length };
}

async function send(path: string, init: { method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`, { method: init.method ?? 'POST', headers: { 'content-type': 'application/json', ...init.headers }, ...(init.body !== undefined ? { body: init.body } : {}) });
  return { status: response.status, body: await response.text() };
}

const chatBody = (model: string): string => JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] });

test('x-ai-eg-route naming another backend or rule: the request still goes where its model says', async () => {
  const targets = routeTargets();
  assert.ok(targets.length >= 4, `route targets: ${targets.join(', ')}`);
  const ownTarget = targets.find((target) => /\/a\b|(^|\/)a$/.test(target)) ?? '';
  for (const target of targets) {
    const before = counts();
    const result = await send('/v1/chat/completions', { headers: { 'x-ai-eg-route': target, ...instructions({ responseBody: CHAT_ANSWER, expectedHeaders: { authorization: 'Bearer sk-configured-a' } }) }, body: chatBody('model-a') });
    assert.equal(result.status, 200, `${target}: ${result.body}`);
    assert.deepEqual(counts(), { ...before, a: before.a + 1 }, `spoofed ${target} (own: ${ownTarget})`);
  }
});

test('x-ai-eg-route with no routable request (unknown model, bad JSON, no body, unknown path, GET): nothing reaches any backend', async () => {
  const before = counts();
  for (const target of routeTargets()) {
    const headers = { 'x-ai-eg-route': target, ...instructions({ responseBody: CHAT_ANSWER }) };
    const unknownModel = await send('/v1/chat/completions', { headers, body: chatBody('no-such-model') });
    assert.equal(unknownModel.status, 404, unknownModel.body);
    const badJson = await send('/v1/chat/completions', { headers, body: '{"model": "model-b", ' });
    assert.equal(badJson.status, 400, badJson.body);
    const noBody = await send('/v1/chat/completions', { headers });
    assert.equal(noBody.status, 400, noBody.body);
    const get = await send('/v1/chat/completions', { method: 'GET', headers });
    assert.ok(get.status >= 400 && get.status < 500, `GET: ${get.status} ${get.body}`);
    const unknownPath = await send('/v1/secret-admin', { headers, body: chatBody('model-b') });
    assert.equal(unknownPath.status, 404, unknownPath.body);
    const models = await send('/v1/models', { method: 'GET', headers });
    assert.equal(models.status, 200, models.body);
    assert.match(models.body, /model-a/);
  }
  assert.deepEqual(counts(), before);
});

test('x-ai-eg-model and x-ai-eg-original-path are the gateway\'s, not the client\'s', async () => {
  const model = await send('/v1/chat/completions', {
    headers: { 'x-ai-eg-model': 'model-b', ...instructions({ responseBody: CHAT_ANSWER, expectedHeaders: { 'x-ai-eg-model': 'model-a' } }) },
    body: chatBody('model-a'),
  });
  assert.equal(model.status, 200, model.body);
  assert.equal(upstreams.a.requests.at(-1)?.headers['x-ai-eg-model'], 'model-a');
  // Upstream mode translates each attempt for the path in x-ai-eg-original-path: the client's value must not count.
  const before = counts();
  const path = await send('/v1/chat/completions', {
    headers: { 'x-ai-eg-original-path': '/v1/embeddings', ...instructions({ responseBody: CHAT_ANSWER, expectedPath: '/v1/chat/completions', expectedJsonBody: chatBody('model-fallback') }) },
    body: chatBody('model-fallback'),
  });
  assert.equal(path.status, 200, path.body);
  assert.deepEqual(counts(), { ...before, open: before.open + 1 });
});

test('credential override headers: only the backend that declares them uses them; no provider ever receives them, nor any x-ai-eg-* header a client sent', async () => {
  const checks: { backend: BackendName; model: string; authorization?: string; extra?: Record<string, string> }[] = [
    // Declared by a's policy: the client's key replaces the configured one.
    { backend: 'a', model: 'model-a', authorization: 'Bearer sk-smuggled-tenant' },
    // b's policy has no override: its configured key is used, the client's header is dropped.
    { backend: 'b', model: 'model-b', authorization: 'Bearer sk-configured-b' },
    // A client's own Authorization never replaces a configured key either.
    { backend: 'b', model: 'model-b', authorization: 'Bearer sk-configured-b', extra: { authorization: 'Bearer client-chosen' } },
    // No policy at all: nothing is added, and the override headers still do not pass.
    { backend: 'open', model: 'model-open' },
    // Upstream mode (fallback rule), first priority is the policy-less backend.
    { backend: 'open', model: 'model-fallback' },
  ];
  for (const check of checks) {
    const before = counts();
    const result = await send('/v1/chat/completions', {
      headers: {
        ...SMUGGLED,
        ...check.extra,
        ...instructions({ responseBody: CHAT_ANSWER, absentHeaders: NEVER_FORWARDED, ...(check.authorization ? { expectedHeaders: { authorization: check.authorization } } : {}) }),
      },
      body: chatBody(check.model),
    });
    assert.equal(result.status, 200, `${check.model}: ${result.body}`);
    assert.deepEqual(counts(), { ...before, [check.backend]: before[check.backend] + 1 }, check.model);
    const received = upstreams[check.backend].requests.at(-1);
    for (const name of NEVER_FORWARDED) assert.equal(received?.headers[name], undefined, `${check.model}: ${name} reached the provider`);
    if (!check.authorization) assert.equal(received?.headers.authorization, undefined, `${check.model}: no credential was added`);
  }
});

test('x-ai-eg-mcp-route cannot move an MCP session to another MCPRoute (past its OAuth)', async () => {
  const client = new Client({ name: 'spoofer', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`http://localhost:${port}/mcp`), { requestInit: { headers: { 'x-ai-eg-mcp-route': 'default/secure', 'x-ai-eg-mcp-backend': 'default/secure' } } }));
  try {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name), ['simple__whoami'], 'the public route\'s tools, not the secure route\'s');
  } finally {
    await client.close();
  }
  const secure = await send('/secure/mcp', {
    headers: { 'x-ai-eg-mcp-route': 'default/public', 'x-ai-eg-mcp-backend': 'default/public', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'spoofer', version: '1' } } }),
  });
  assert.equal(secure.status, 401, `the secure route still asks for a token: ${secure.body}`);
});
