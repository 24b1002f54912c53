/**
 * The MCP gateway end to end: real MCP servers (the official SDK over Streamable HTTP) behind
 * `aigw run` (real Envoy + the ext_proc's MCP proxy), the SDK's client and the MCP Inspector CLI
 * as clients. One public MCPRoute aggregating two servers with a tool selector, and one with
 * OAuth (JWTs issued here, verified against an inline JWKS) and a scope rule on one tool.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { stringify } from 'yaml';
import { startTestBackend, type TestBackend } from '../support/mcp-test-backend.js';
import { startAigw, type AigwProcess } from '../support/aigw-process.js';
import { INSPECTOR_CLI } from '../support/mcp-inspector.js';

const ISSUER = 'https://issuer.example.test/realms/aigw';

let full: TestBackend;
let simple: TestBackend;
let aigw: AigwProcess;
let base: string;
let signingKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
/** One of two keys published without `kid`. */
let kidlessKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

function backendDocuments(name: string, url: string): Record<string, unknown>[] {
  const parsed = new URL(url);
  return [
    {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'Backend',
      metadata: { name, namespace: 'default' },
      spec: { endpoints: [{ ip: { address: parsed.hostname, port: Number(parsed.port) } }] },
    },
  ];
}

function config(port: number, jwks: string): string {
  const gateway = { name: 'aigw-run', kind: 'Gateway', group: 'gateway.networking.k8s.io' };
  const ref = (name: string, url: string, extra: Record<string, unknown> = {}): Record<string, unknown> => ({ name, kind: 'Backend', group: 'gateway.envoyproxy.io', path: new URL(url).pathname, ...extra });
  const documents: Record<string, unknown>[] = [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'aigw-run' }, spec: { controllerName: 'gateway.envoyproxy.io/gatewayclass-controller' } },
    {
      apiVersion: 'gateway.networking.k8s.io/v1',
      kind: 'Gateway',
      metadata: { name: 'aigw-run', namespace: 'default' },
      spec: { gatewayClassName: 'aigw-run', listeners: [{ name: 'http', protocol: 'HTTP', port }], infrastructure: { parametersRef: { group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: 'proxy' } } },
    },
    {
      apiVersion: 'gateway.envoyproxy.io/v1alpha1',
      kind: 'EnvoyProxy',
      metadata: { name: 'proxy', namespace: 'default' },
      spec: {
        telemetry: {
          accessLog: {
            settings: [
              {
                matches: ["request.headers['x-ai-eg-mcp-backend'] != ''"],
                sinks: [{ type: 'File', file: { path: '/dev/stdout' } }],
                format: {
                  type: 'JSON',
                  json: {
                    'mcp.method.name': '%DYNAMIC_METADATA(io.envoy.ai_gateway:mcp_method)%',
                    'mcp.tool.name': '%DYNAMIC_METADATA(io.envoy.ai_gateway:mcp_tool_name)%',
                    'mcp.provider.name': '%DYNAMIC_METADATA(io.envoy.ai_gateway:mcp_backend)%',
                    'mcp.session.id': '%REQ(MCP-SESSION-ID)%',
                    'session.id': '%DYNAMIC_METADATA(io.envoy.ai_gateway:session.id)%',
                    response_code: '%RESPONSE_CODE%',
                  },
                },
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'aigateway.envoyproxy.io/v1alpha1',
      kind: 'MCPRoute',
      metadata: { name: 'public', namespace: 'default' },
      spec: {
        parentRefs: [gateway],
        path: '/mcp',
        backendRefs: [ref('full', full.url, { toolSelector: { include: ['echo', 'fail'] } }), ref('simple', simple.url)],
      },
    },
    {
      apiVersion: 'aigateway.envoyproxy.io/v1alpha1',
      kind: 'MCPRoute',
      metadata: { name: 'secure', namespace: 'default' },
      spec: {
        parentRefs: [gateway],
        path: '/secure/mcp',
        backendRefs: [ref('full', full.url)],
        securityPolicy: {
          oauth: {
            issuer: ISSUER,
            audiences: ['aigw-test'],
            jwks: { localJWKS: { type: 'Inline', inline: jwks } },
            protectedResourceMetadata: { resource: `http://localhost:${port}/secure/mcp`, resourceName: 'aigw test' },
          },
          authorization: {
            defaultAction: 'Deny',
            rules: [
              { action: 'Allow', source: { jwt: { scopes: ['echo:call'] } }, target: { tools: [{ backend: 'full', tool: 'echo' }] } },
              { action: 'Allow', cel: "request.mcp.method != 'tools/call'" },
            ],
          },
        },
      },
    },
    ...backendDocuments('full', full.url),
    ...backendDocuments('simple', simple.url),
  ];
  return documents.map((document) => stringify(document)).join('---\n');
}

before(async () => {
  full = await startTestBackend('full');
  simple = await startTestBackend('simple');
  const keys = await generateKeyPair('RS256', { extractable: true });
  signingKey = keys.privateKey;
  const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const [other, kidless] = await Promise.all([generateKeyPair('RS256', { extractable: true }), generateKeyPair('RS256', { extractable: true })]);
  kidlessKey = kidless.privateKey;
  const withoutKid = await Promise.all([other.publicKey, kidless.publicKey].map(async (key) => ({ ...(await exportJWK(key)), alg: 'RS256', use: 'sig' })));
  aigw = await startAigw({ configYaml: (port) => config(port, JSON.stringify({ keys: [jwk, ...withoutKid] })) });
  base = `http://localhost:${aigw.port}`;
});

after(async () => {
  await aigw?.stop();
  await full?.close();
  await simple?.close();
});

async function connect(path: string, token?: string, extraHeaders: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'aigw-e2e', version: '1.0.0' });
  const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), ...extraHeaders };
  await client.connect(new StreamableHTTPClientTransport(new URL(`${base}${path}`), { requestInit: { headers } }));
  return client;
}

function token(scope: string): Promise<string> {
  return new SignJWT({ scope }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISSUER).setAudience('aigw-test').setSubject('alice').setIssuedAt().setExpirationTime('5m').sign(signingKey);
}

test('tools of every server under <backend>__<tool>, the selector applied, calls routed by prefix', async () => {
  const client = await connect('/mcp');
  try {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), ['full__echo', 'full__fail', 'simple__whoami']);
    // The test server's echo answers "<server>:<text>".
    const echoed = await client.callTool({ name: 'full__echo', arguments: { text: 'through the gateway' } });
    assert.deepEqual(echoed.content, [{ type: 'text', text: 'full:through the gateway' }]);
    const whoami = await client.callTool({ name: 'simple__whoami', arguments: {} });
    assert.deepEqual(whoami.content, [{ type: 'text', text: 'simple server' }]);
    // A tool the selector hides, or a server prefix the route does not have: JSON-RPC invalid
    // params naming the servers (not a 404, which would end the client's session).
    const invalidParams = (pattern: RegExp) => (error: unknown): boolean => error instanceof McpError && error.code === -32602 && pattern.test(error.message);
    await assert.rejects(client.callTool({ name: 'full__secret', arguments: {} }), invalidParams(/unknown tool "full__secret": full exposes no tool "secret"/));
    await assert.rejects(client.callTool({ name: 'nope__echo', arguments: {} }), invalidParams(/no server "nope" in this session; this session's servers: full__, simple__; did you mean "full__echo"\?$/));
    // The tool without its prefix: the error names the one to call.
    await assert.rejects(client.callTool({ name: 'echo', arguments: {} }), invalidParams(/^MCP error -32602: unknown tool "echo": tool names are <server>__<tool>; this session's servers: full__, simple__; did you mean "full__echo"\?$/));
    // A misspelt tool the selector does not include: the nearest one it does.
    await assert.rejects(client.callTool({ name: 'full__ecko', arguments: {} }), invalidParams(/unknown tool "full__ecko": full exposes no tool "ecko"; .*; did you mean "full__echo"\?$/));
    await client.ping();
    assert.deepEqual((await client.callTool({ name: 'full__echo', arguments: { text: 'still here' } })).content, [{ type: 'text', text: 'full:still here' }]);
  } finally {
    await client.close();
  }
  const line = await aigw.waitForStdout(/"mcp.method.name":"tools\/call".*"mcp.tool.name":"echo"|"mcp.tool.name":"echo".*"mcp.method.name":"tools\/call"/);
  const entry: unknown = JSON.parse(line);
  assert.ok(typeof entry === 'object' && entry !== null && 'mcp.provider.name' in entry && 'mcp.session.id' in entry);
  assert.equal(entry['mcp.provider.name'], 'full');
  assert.notEqual(entry['mcp.session.id'], '-');
});

test('access log: session.id from the agent-session-id header, or from params._meta', async () => {
  const since = aigw.stdout.length;
  const client = await connect('/mcp', undefined, { 'agent-session-id': 'agent-header' });
  try {
    await client.callTool({ name: 'simple__whoami', arguments: {} });
    await client.callTool({ name: 'full__echo', arguments: { text: 'meta' }, _meta: { 'agent-session-id': 'agent-meta' } });
  } finally {
    await client.close();
  }
  await aigw.waitForStdout(/"session.id":"agent-meta"/, 20_000, since);
  await aigw.waitForStdout(/"mcp.method.name":"tools\/call".*"session.id":"agent-header"|"session.id":"agent-header".*"mcp.method.name":"tools\/call"/, 20_000, since);
  // Entries of earlier tests may still be flushed after `since`: they carry no session.id.
  const entries = aigw.accessLogs(since).filter((entry) => entry['mcp.method.name'] === 'tools/call' && typeof entry['session.id'] === 'string');
  assert.deepEqual(entries.map((entry) => [entry['mcp.provider.name'], entry['session.id']]).sort(), [['full', 'agent-meta'], ['simple', 'agent-header']]);
});

test('MCP metrics on the admin port', async () => {
  const metrics = await (await fetch(`http://127.0.0.1:${aigw.adminPort}/metrics`)).text();
  assert.match(metrics, /mcp_method_count_total\{[^}]*mcp_method_name="tools\/call"[^}]*\} [1-9]/);
});

test('OAuth: 401 with the protected-resource challenge, the metadata document, scopes per tool', async () => {
  const anonymous = await fetch(`${base}/secure/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
  });
  assert.equal(anonymous.status, 401);
  const challenge = anonymous.headers.get('www-authenticate') ?? '';
  assert.match(challenge, /^Bearer /);
  const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
  assert.ok(metadataUrl, challenge);
  const metadata: unknown = await (await fetch(metadataUrl)).json();
  assert.ok(typeof metadata === 'object' && metadata !== null && 'resource' in metadata && 'authorization_servers' in metadata);
  assert.equal(metadata.resource, `${base}/secure/mcp`);
  assert.deepEqual(metadata.authorization_servers, [ISSUER]);

  const allowed = await connect('/secure/mcp', await token('echo:call'));
  try {
    const echoed = await allowed.callTool({ name: 'full__echo', arguments: { text: 'scoped' } });
    assert.deepEqual(echoed.content, [{ type: 'text', text: 'full:scoped' }]);
  } finally {
    await allowed.close();
  }
  // No kid, two kid-less keys of its type: tried against each (as Envoy). Another issuer than
  // oauth.issuer: accepted, as upstream (its JWT provider names no issuer).
  const kidless = await new SignJWT({ scope: 'echo:call' }).setProtectedHeader({ alg: 'RS256' }).setIssuer('https://sts.elsewhere.test/').setAudience('aigw-test').setSubject('bob').setIssuedAt().setExpirationTime('5m').sign(kidlessKey);
  const viaKidless = await connect('/secure/mcp', kidless);
  try {
    assert.deepEqual((await viaKidless.callTool({ name: 'full__echo', arguments: { text: 'kidless' } })).content, [{ type: 'text', text: 'full:kidless' }]);
  } finally {
    await viaKidless.close();
  }
  const limited = await connect('/secure/mcp', await token('other'));
  try {
    const { tools } = await limited.listTools();
    assert.ok(!tools.some((tool) => tool.name === 'full__echo'), 'tools the caller may not call are not listed');
    await assert.rejects(limited.callTool({ name: 'full__echo', arguments: { text: 'x' } }), /403|access denied|insufficient/i);
  } finally {
    await limited.close();
  }
});

test("the seed's check: the MCP Inspector CLI lists and calls tools through the gateway", async () => {
  const run = promisify(execFile);
  const listed = await run(process.execPath, [INSPECTOR_CLI, '--cli', `${base}/mcp`, '--method', 'tools/list'], { timeout: 60_000 });
  const tools: unknown = JSON.parse(listed.stdout);
  assert.ok(typeof tools === 'object' && tools !== null && 'tools' in tools && Array.isArray(tools.tools));
  assert.ok(tools.tools.some((tool: unknown) => typeof tool === 'object' && tool !== null && 'name' in tool && tool.name === 'full__echo'));
  const called = await run(process.execPath, [INSPECTOR_CLI, '--cli', `${base}/mcp`, '--transport', 'http', '--method', 'tools/call', '--tool-name', 'full__echo', '--tool-arg', 'text=inspected'], { timeout: 60_000 });
  assert.match(called.stdout, /full:inspected/);
});
