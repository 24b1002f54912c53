import assert from 'node:assert/strict';
import * as http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ListRootsRequestSchema, LoggingMessageNotificationSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { Registry } from 'prom-client';
import { isRecord } from '../../common/json-guards.js';
import { createLogger } from '../../common/logger.js';
import { logHeaderAttributes } from '../../extproc/telemetry/metrics/header-attributes.js';
import { MCP_METADATA_HEADERS, MCP_ROUTE_HEADER, type McpBackendConfig, type McpConfig } from '../../contract/mcp-config.js';
import { DEFAULT_MCP_PROXY_SETTINGS } from './mcp-proxy-settings.js';
import { type McpProxyHandle, startMcpProxy } from './mcp-proxy-server.js';
import { type McpRouteAuth, OPEN_ROUTE } from '../auth/mcp-route-auth.js';
import { McpSessionCrypto } from './mcp-session-crypto.js';
import { startTestBackend, type TestBackend } from '../../test/support/mcp-test-backend.js';

const ROUTE = 'default/mcp-route';
const SECURE_ROUTE = 'default/secure-route';

/** A route whose caller is named by its bearer token; it may not call `fail`, and never sees gamma. */
const secureAuth: McpRouteAuth = {
  wellKnown: (request) =>
    Promise.resolve(
      request.path === '/.well-known/oauth-protected-resource/mcp' ? { status: 200, headers: { 'content-type': 'application/json' }, body: '{"resource":"http://gw/mcp"}' } : undefined,
    ),
  authenticate: (request) => {
    const authorization = request.headers.authorization ?? '';
    if (!authorization.startsWith('Bearer ')) {
      return Promise.resolve({ answer: { status: 401, headers: { 'www-authenticate': 'Bearer resource_metadata="http://gw/.well-known/oauth-protected-resource/mcp"' }, body: 'unauthorized' } });
    }
    const subject = authorization.slice('Bearer '.length);
    return Promise.resolve({ identity: { subject, claims: { sub: subject }, scopes: [], forwardHeaders: [['x-claim-sub', subject]] } });
  },
  authorize: (_identity, _request, call) =>
    call.tool === 'fail'
      ? { allowed: false, answer: { status: 403, headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="tools:fail"' }, body: 'access denied' } }
      : { allowed: true },
  selectsBackend: (_identity, _request, backend) => backend !== 'gamma',
};

function backend(name: string, url: string, extra: Partial<McpBackendConfig> = {}): McpBackendConfig {
  return { name, url, headers: [], forwardHeaders: [], ...extra };
}

describe('MCP proxy with real MCP servers', () => {
  let alpha: TestBackend;
  let beta: TestBackend;
  let gamma: TestBackend;
  let proxy: McpProxyHandle;
  let twin: McpProxyHandle;
  let stranger: McpProxyHandle;
  let unix: McpProxyHandle;
  let socketDir: string;
  const registry = new Registry();
  const logLines: string[] = [];
  let config: McpConfig;

  before(async () => {
    [alpha, beta, gamma] = await Promise.all([startTestBackend('full'), startTestBackend('simple'), startTestBackend('stateless')]);
    config = {
      routes: [
        {
          name: ROUTE,
          path: '/mcp',
          listeners: [],
          hostnames: [],
          backends: [
            backend('alpha', alpha.url, {
              toolSelector: { exclude: ['secret'] },
              headers: [{ name: 'X-Static', value: 'static-value' }],
              apiKey: { value: 'alpha-key' },
              forwardHeaders: [{ name: 'x-user', backendHeader: 'x-forwarded-user' }],
            }),
            backend('beta', beta.url),
            backend('gamma', gamma.url, { toolSelector: { include: ['add', 'sub'], excludeRegex: ['s.*'] }, apiKey: { value: 'gamma-key', header: 'x-api-key' } }),
            // Nothing listens on port 1: this backend is down from the start.
            backend('down', 'http://127.0.0.1:1/mcp'),
          ],
        },
        { name: SECURE_ROUTE, path: '/mcp', listeners: [], hostnames: [], backends: [backend('alpha', alpha.url), backend('gamma', gamma.url)] },
      ],
    };
    const logger = createLogger('warn', (line) => logLines.push(line));
    const crypto = (seed: string): McpSessionCrypto => new McpSessionCrypto({ seed, iterations: 1000 });
    const settings = { ...DEFAULT_MCP_PROXY_SETTINGS, heartbeatIntervalMs: 300, initializeTimeoutMs: 5000 };
    const authFor = (route: { name: string }): McpRouteAuth => (route.name === SECURE_ROUTE ? secureAuth : OPEN_ROUTE);
    proxy = await startMcpProxy({ port: 0, config, authFor, registry, logger, crypto: crypto('seed-1'), settings, logHeaders: logHeaderAttributes({}) });
    twin = await startMcpProxy({ port: 0, config, authFor, registry: new Registry(), logger, crypto: crypto('seed-1'), settings });
    stranger = await startMcpProxy({ port: 0, config, authFor, registry: new Registry(), logger, crypto: crypto('seed-2'), settings });
    socketDir = mkdtempSync(join(tmpdir(), 'aigw-mcp-'));
    unix = await startMcpProxy({ socketPath: join(socketDir, 'mcp.sock'), config, authFor, registry: new Registry(), logger, crypto: crypto('seed-1'), settings });
  });

  after(async () => {
    await Promise.all([proxy.close(), twin.close(), stranger.close(), unix.close()]);
    await Promise.all([alpha.close(), beta.close(), gamma.close()]);
    rmSync(socketDir, { recursive: true, force: true });
  });

  async function connect(route = ROUTE, headers: Record<string, string> = {}, via = proxy): Promise<{ client: Client; transport: StreamableHTTPClientTransport; logs: unknown[] }> {
    const client = new Client({ name: 'test-client', version: '1.0.0' }, { capabilities: { roots: { listChanged: true } } });
    client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [{ uri: 'file:///home/me', name: 'home' }] }));
    const logs: unknown[] = [];
    client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => {
      logs.push(notification.params.data);
    });
    const transport = new StreamableHTTPClientTransport(new URL(`${via.address}/mcp`), { requestInit: { headers: { [MCP_ROUTE_HEADER]: route, 'x-user': 'alice', ...headers } } });
    await client.connect(transport);
    return { client, transport, logs };
  }

  function post(body: unknown, headers: Record<string, string> = {}, via = proxy): Promise<Response> {
    return fetch(`${via.address}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', [MCP_ROUTE_HEADER]: ROUTE, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  }

  test('initialize: one gateway session over the backends that are up', async () => {
    const { client, transport } = await connect();
    assert.equal(client.getServerVersion()?.name, 'envoy-ai-gateway');
    // The SDK client offers 2025-11-25; the gateway answers with its latest, 2025-06-18.
    assert.equal(transport.protocolVersion, '2025-06-18');
    // The union of the backends': McpServer (beta) announces listChanged for its prompts and resources.
    assert.deepEqual(client.getServerCapabilities(), {
      tools: { listChanged: true },
      prompts: { listChanged: true },
      resources: { listChanged: true, subscribe: true },
      logging: {},
      completions: {},
    });
    assert.ok(logLines.some((line) => line.includes('initialize failed') && /\bbackend="?down"?/.test(line)), logLines.join('\n'));
    await client.close();
  });

  test('initialize answers with a supported version the client asks for', async () => {
    const response = await post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-03-26', capabilities: {}, clientInfo: { name: 'old', version: '1' } } });
    assert.equal(response.status, 200);
    const body: unknown = await response.json();
    assert.ok(isRecord(body) && isRecord(body.result));
    assert.equal(body.result.protocolVersion, '2025-03-26');
    assert.equal(response.headers.get(MCP_METADATA_HEADERS.method), 'initialize');
    assert.equal(response.headers.get(MCP_METADATA_HEADERS.requestId), '1');
  });

  test('tools/list: every backend, prefixed, toolSelector applied (exclude wins)', async () => {
    const { client } = await connect();
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), [
      'alpha__echo', 'alpha__fail', 'alpha__link', 'alpha__progress', 'alpha__roots', 'alpha__slow', 'beta__whoami', 'gamma__add',
    ]);
    await client.close();
  });

  test('tools/call: routed by prefix to SSE, JSON and stateless servers; isError and links', async () => {
    const { client } = await connect();
    assert.deepEqual((await client.callTool({ name: 'alpha__echo', arguments: { text: 'hi' } })).content, [{ type: 'text', text: 'full:hi' }]);
    assert.deepEqual((await client.callTool({ name: 'gamma__add', arguments: { a: 2, b: 3 } })).content, [{ type: 'text', text: '5' }]);
    assert.deepEqual((await client.callTool({ name: 'beta__whoami' })).content, [{ type: 'text', text: 'simple server' }]);
    const failed = await client.callTool({ name: 'alpha__fail' });
    assert.equal(failed.isError, true);
    assert.deepEqual((await client.callTool({ name: 'alpha__link' })).content, [{ type: 'resource_link', uri: 'alpha+file:///a.txt', name: 'a' }]);
    await client.close();
  });

  test('unknown tools, prompts and resources: JSON-RPC invalid params naming the session servers; the session stays usable', async () => {
    const { client } = await connect();
    const invalidParams = (pattern: RegExp) => (error: unknown): boolean => error instanceof McpError && error.code === -32602 && pattern.test(error.message);
    const servers = /this session's servers: alpha__, beta__, gamma__$/;
    await assert.rejects(client.callTool({ name: 'nobody__tool' }), invalidParams(/unknown tool "nobody__tool": no server "nobody" in this session; this session's servers: alpha__, beta__, gamma__$/));
    await assert.rejects(client.callTool({ name: 'plain' }), invalidParams(/unknown tool "plain": tool names are <server>__<tool>; /));
    await assert.rejects(client.callTool({ name: 'plain' }), invalidParams(servers));
    // The tool without its prefix, or with a misspelt server: the name the session can call.
    await assert.rejects(client.callTool({ name: 'echo' }), invalidParams(/^MCP error -32602: unknown tool "echo": tool names are <server>__<tool>; this session's servers: alpha__, beta__, gamma__; did you mean "alpha__echo"\?$/));
    await assert.rejects(client.callTool({ name: 'gama__add' }), invalidParams(/unknown tool "gama__add": no server "gama" in this session; .*; did you mean "gamma__add"\?$/));
    // Hidden by the toolSelector: as unknown as a tool that does not exist.
    await assert.rejects(client.callTool({ name: 'alpha__secret' }), invalidParams(/unknown tool "alpha__secret": alpha exposes no tool "secret"/));
    await assert.rejects(client.callTool({ name: 'gamma__sub' }), invalidParams(/gamma exposes no tool "sub"/));
    // A configured backend that is not in the session (it was down at initialize).
    await assert.rejects(client.callTool({ name: 'down__x' }), invalidParams(/no server "down" in this session/));
    await assert.rejects(client.getPrompt({ name: 'nobody__greet' }), invalidParams(/unknown prompt "nobody__greet"/));
    await assert.rejects(client.readResource({ uri: 'nobody+file:///a.txt' }), invalidParams(/unknown resource "nobody\+file:\/\/\/a.txt": no server "nobody" in this session; this session's servers: alpha, beta, gamma$/));
    await assert.rejects(client.complete({ ref: { type: 'ref/prompt', name: 'greet' }, argument: { name: 'who', value: 'b' } }), invalidParams(/unknown prompt "greet"/));
    // Still the same session.
    assert.deepEqual((await client.callTool({ name: 'alpha__echo', arguments: { text: 'after' } })).content, [{ type: 'text', text: 'full:after' }]);
    await client.close();
  });

  test('prompts, resources (with pages), templates, completion, subscribe, logging level', async () => {
    const { client } = await connect();
    assert.deepEqual((await client.listPrompts()).prompts.map((prompt) => prompt.name).sort(), ['alpha__greet', 'beta__intro']);
    const prompt = await client.getPrompt({ name: 'alpha__greet', arguments: { who: 'bob' } });
    assert.deepEqual(prompt.messages[0]?.content, { type: 'text', text: 'hello bob from full' });
    const resources = await client.listResources();
    assert.deepEqual(resources.resources.map((resource) => [resource.name, resource.uri]).sort(), [
      ['alpha__a', 'alpha+file:///a.txt'],
      ['alpha__b', 'alpha+file:///b.txt'],
      ['beta__readme', 'beta+docs://readme'],
    ]);
    assert.equal(resources.nextCursor, undefined);
    const read = await client.readResource({ uri: 'alpha+file:///b.txt' });
    assert.deepEqual(read.contents, [{ uri: 'alpha+file:///b.txt', text: 'content of file:///b.txt' }]);
    assert.deepEqual((await client.readResource({ uri: 'beta+docs://readme' })).contents, [{ uri: 'beta+docs://readme', text: 'read me' }]);
    const templates = await client.listResourceTemplates();
    assert.deepEqual(templates.resourceTemplates, [{ name: 'alpha__files', uriTemplate: 'alpha+file:///{path}' }]);
    const completion = await client.complete({ ref: { type: 'ref/prompt', name: 'alpha__greet' }, argument: { name: 'who', value: 'b' } });
    assert.deepEqual(completion.completion.values, ['ref/prompt:greet']);
    const byResource = await client.complete({ ref: { type: 'ref/resource', uri: 'alpha+file:///{path}' }, argument: { name: 'path', value: 'a' } });
    assert.deepEqual(byResource.completion.values, ['ref/resource:file:///{path}']);
    assert.deepEqual(await client.subscribeResource({ uri: 'alpha+file:///a.txt' }), {});
    assert.deepEqual(await client.setLoggingLevel('debug'), {});
    await assert.rejects(client.readResource({ uri: 'file:///no-backend' }), /unknown resource "file:\/\/\/no-backend"/);
    await client.close();
  });

  test('notifications during a call reach the client: logging and progress', async () => {
    const { client, logs } = await connect();
    const progress: number[] = [];
    const result = await client.callTool({ name: 'alpha__progress' }, undefined, { onprogress: (update) => progress.push(update.progress) });
    assert.deepEqual(result.content, [{ type: 'text', text: 'done' }]);
    assert.deepEqual(progress, [1, 2]);
    assert.deepEqual(logs, ['working']);
    await client.close();
  });

  test('server→client requests: ids routed through the gateway and back (roots/list)', async () => {
    const { client } = await connect();
    assert.deepEqual((await client.callTool({ name: 'alpha__roots' })).content, [{ type: 'text', text: 'file:///home/me' }]);
    await client.close();
  });

  test('ping is answered by the gateway; roots/list_changed reaches the backends', async () => {
    const { client } = await connect();
    assert.deepEqual(await client.ping(), {});
    // Client notifications are accepted (202) and fanned out to the backends.
    const seen = alpha.requests.length;
    await client.sendRootsListChanged();
    assert.ok(alpha.requests.length > seen);
    await client.close();
  });

  test('session ids are encrypted and stateless: a twin proxy with the seed serves them, another seed does not', async () => {
    const before = new Set(alpha.sessions.keys());
    const { client, transport } = await connect();
    const sessionId = transport.sessionId ?? '';
    const alphaSession = [...alpha.sessions.keys()].find((id) => !before.has(id)) ?? '';
    assert.ok(alphaSession);
    assert.ok(!sessionId.includes(alphaSession) && !sessionId.includes(Buffer.from(alphaSession).toString('base64')));
    assert.ok(!sessionId.includes('alpha') && !sessionId.includes(ROUTE));

    const list = { jsonrpc: '2.0', id: 7, method: 'tools/list' };
    const viaTwin = await post(list, { 'mcp-session-id': sessionId }, twin);
    assert.equal(viaTwin.status, 200);
    assert.match(await viaTwin.text(), /alpha__echo/);
    const viaStranger = await post(list, { 'mcp-session-id': sessionId }, stranger);
    assert.equal(viaStranger.status, 400);
    assert.match(await viaStranger.text(), /invalid session ID/);
    await client.close();
  });

  test('GET stream: a backend notification outside any request reaches the client; heartbeat pings', async () => {
    const before = new Set(alpha.sessions.keys());
    const { client, logs } = await connect();
    const session = [...alpha.sessions.entries()].find(([id]) => !before.has(id))?.[1];
    assert.ok(session);
    // The client opens its GET stream right after initialize; notify until it is in place.
    for (let attempt = 0; attempt < 50 && !logs.includes('from GET'); attempt++) {
      await session.notify('from GET');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.ok(logs.includes('from GET'), JSON.stringify(logs));
    await client.close();
  });

  test('GET stream: answers 202 text/event-stream and pings at once and on quiet intervals', async () => {
    const { client, transport } = await connect();
    const controller = new AbortController();
    const response = await fetch(`${proxy.address}/mcp`, {
      headers: { accept: 'text/event-stream', [MCP_ROUTE_HEADER]: ROUTE, 'mcp-session-id': transport.sessionId ?? '' },
      signal: controller.signal,
    });
    assert.equal(response.status, 202);
    assert.equal(response.headers.get('content-type'), 'text/event-stream');
    const reader = response.body?.getReader();
    assert.ok(reader);
    let text = '';
    const decoder = new TextDecoder();
    while ((text.match(/"method":"ping"/g) ?? []).length < 2) {
      const chunk: unknown = await reader.read();
      if (!isRecord(chunk) || !(chunk.value instanceof Uint8Array)) break;
      text += decoder.decode(chunk.value);
    }
    assert.match(text, /"id":"aigw-server-to-client-ping-[0-9a-f-]+","method":"ping"/);
    controller.abort();
    // The client's answer to a gateway ping stops at the gateway.
    const answer = await post({ jsonrpc: '2.0', id: 'aigw-server-to-client-ping-x', result: {} }, { 'mcp-session-id': transport.sessionId ?? '' });
    assert.equal(answer.status, 202);
    await client.close();
  });

  test('notifications/cancelled reaches the backend running the request', async () => {
    const { client } = await connect();
    const controller = new AbortController();
    const call = client.callTool({ name: 'alpha__slow' }, undefined, { signal: controller.signal });
    const seen = alpha.cancelled.length;
    await new Promise((resolve) => setTimeout(resolve, 200));
    controller.abort();
    await assert.rejects(call);
    for (let attempt = 0; attempt < 50 && alpha.cancelled.length === seen; attempt++) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(alpha.cancelled.length, seen + 1);
    await client.close();
  });

  test('DELETE ends every backend session', async () => {
    const before = new Set(alpha.sessions.keys());
    const betaBefore = new Set(beta.sessions.keys());
    const { client, transport } = await connect();
    const alphaSession = [...alpha.sessions.keys()].find((id) => !before.has(id));
    const betaSession = [...beta.sessions.keys()].find((id) => !betaBefore.has(id));
    await transport.terminateSession();
    assert.ok(alphaSession && alpha.closedSessions.includes(alphaSession));
    assert.ok(betaSession && beta.closedSessions.includes(betaSession));
    await client.close();
  });

  test('backends get configured credentials, static headers and forwarded headers', async () => {
    const { client } = await connect();
    await client.callTool({ name: 'alpha__echo', arguments: { text: 'x' } });
    await client.callTool({ name: 'gamma__add', arguments: { a: 1, b: 1 } });
    const alphaHeaders = alpha.requests.at(-1)?.headers;
    assert.equal(alphaHeaders?.authorization, 'Bearer alpha-key');
    assert.equal(alphaHeaders?.['x-static'], 'static-value');
    assert.equal(alphaHeaders?.['x-forwarded-user'], 'alice');
    assert.equal(alphaHeaders?.['mcp-protocol-version'], '2025-06-18');
    const gammaHeaders = gamma.requests.at(-1)?.headers;
    assert.equal(gammaHeaders?.['x-api-key'], 'gamma-key');
    assert.equal(gammaHeaders?.authorization, undefined);
    await client.close();
  });

  test('HTTP errors: route header, method, session, JSON, unknown method; metadata headers on answers', async () => {
    assert.equal((await fetch(`${proxy.address}/mcp`, { method: 'POST', body: '{}' })).status, 500);
    assert.equal((await post({}, { [MCP_ROUTE_HEADER]: 'default/nope' })).status, 404);
    assert.equal((await fetch(`${proxy.address}/mcp`, { method: 'PUT', headers: { [MCP_ROUTE_HEADER]: ROUTE } })).status, 405);
    const noSession = await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    assert.equal(noSession.status, 400);
    assert.equal(await noSession.text(), 'missing session ID');
    assert.equal((await post({ jsonrpc: '2.0', id: 1, method: 'tools/list' }, { 'mcp-session-id': 'Zm9vYmFy' })).status, 400);
    assert.equal((await post('{not json')).status, 400);
    assert.equal((await post('x'.repeat(5 * 1024 * 1024))).status, 413);
    assert.equal((await fetch(`${proxy.address}/mcp`, { headers: { [MCP_ROUTE_HEADER]: ROUTE } })).status, 400);

    const { client, transport } = await connect();
    const session = { 'mcp-session-id': transport.sessionId ?? '' };
    const unsupported = await post({ jsonrpc: '2.0', id: 2, method: 'tasks/list' }, session);
    assert.equal(unsupported.status, 400);
    assert.equal(await unsupported.text(), 'unsupported method: tasks/list');
    const call = await post({ jsonrpc: '2.0', id: 'call-1', method: 'tools/call', params: { name: 'gamma__add', arguments: { a: 1, b: 2 } } }, session);
    assert.equal(call.status, 200);
    assert.equal(call.headers.get(MCP_METADATA_HEADERS.method), 'tools/call');
    assert.equal(call.headers.get(MCP_METADATA_HEADERS.tool), 'add');
    assert.equal(call.headers.get(MCP_METADATA_HEADERS.backend), 'gamma');
    assert.equal(call.headers.get(MCP_METADATA_HEADERS.requestId), 'call-1');
    assert.equal(call.headers.get(MCP_METADATA_HEADERS.session), transport.sessionId);
    assert.equal(call.headers.get('mcp-session-id'), transport.sessionId);
    const read = await post({ jsonrpc: '2.0', id: 3, method: 'resources/read', params: { uri: 'alpha+file:///a.txt' } }, session);
    assert.equal(read.headers.get(MCP_METADATA_HEADERS.resourceUri), 'file:///a.txt');
    await read.text();
    const unknownBackend = await post({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'zeta__x' } }, session);
    assert.equal(unknownBackend.status, 200);
    assert.equal(unknownBackend.headers.get('content-type'), 'application/json');
    assert.equal(unknownBackend.headers.get(MCP_METADATA_HEADERS.method), 'tools/call');
    assert.equal(unknownBackend.headers.get('mcp-session-id'), transport.sessionId);
    const answer: unknown = await unknownBackend.json();
    assert.ok(isRecord(answer) && isRecord(answer.error));
    assert.equal(answer.id, 4);
    assert.equal(answer.error.code, -32602);
    // session.id for the access log: agent-session-id from the header, or from _meta (which wins).
    const byHeader = await post({ jsonrpc: '2.0', id: 5, method: 'ping' }, { ...session, 'agent-session-id': 'agent-1' });
    assert.equal(byHeader.headers.get(MCP_METADATA_HEADERS.agentSession), 'agent-1');
    const byMeta = await post({ jsonrpc: '2.0', id: 6, method: 'ping', params: { _meta: { 'Agent-Session-Id': 'agent-2' } } }, { ...session, 'agent-session-id': 'agent-1' });
    assert.equal(byMeta.headers.get(MCP_METADATA_HEADERS.agentSession), 'agent-2');
    const byNotification = await post({ jsonrpc: '2.0', method: 'notifications/roots/list_changed', params: { _meta: { 'agent-session-id': 'agent-3' } } }, session);
    assert.equal(byNotification.status, 202);
    assert.equal(byNotification.headers.get(MCP_METADATA_HEADERS.agentSession), 'agent-3');
    assert.equal((await post({ jsonrpc: '2.0', id: 7, method: 'ping' }, session)).headers.get(MCP_METADATA_HEADERS.agentSession), null);
    // A routed response id naming no backend: 400 (not 404: the session is fine).
    assert.equal((await post({ jsonrpc: '2.0', id: '1__i__zeta', result: {} }, session)).status, 400);
    await client.close();
  });

  test('secured route: 401 passes through, well-known answers, authorization filters and denies, backendSelector, subject bound', async () => {
    const unauthenticated = await post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }, { [MCP_ROUTE_HEADER]: SECURE_ROUTE });
    assert.equal(unauthenticated.status, 401);
    assert.match(unauthenticated.headers.get('www-authenticate') ?? '', /resource_metadata/);
    const wellKnown = await fetch(`${proxy.address}/.well-known/oauth-protected-resource/mcp`, { headers: { [MCP_ROUTE_HEADER]: SECURE_ROUTE } });
    assert.equal(wellKnown.status, 200);
    assert.deepEqual(await wellKnown.json(), { resource: 'http://gw/mcp' });

    const { client, transport } = await connect(SECURE_ROUTE, { authorization: 'Bearer alice' });
    // gamma is not selected for this route; alpha's `fail` is not authorized, so it is not listed.
    const names = (await client.listTools()).tools.map((tool) => tool.name);
    assert.ok(names.includes('alpha__echo') && !names.includes('alpha__fail') && !names.some((name) => name.startsWith('gamma__')), names.join());
    const denied = await post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'alpha__fail' } }, {
      [MCP_ROUTE_HEADER]: SECURE_ROUTE, authorization: 'Bearer alice', 'mcp-session-id': transport.sessionId ?? '',
    });
    assert.equal(denied.status, 403);
    assert.match(denied.headers.get('www-authenticate') ?? '', /insufficient_scope/);
    assert.equal(alpha.requests.at(-1)?.headers['x-claim-sub'], 'alice');
    const stolen = await post({ jsonrpc: '2.0', id: 3, method: 'tools/list' }, {
      [MCP_ROUTE_HEADER]: SECURE_ROUTE, authorization: 'Bearer mallory', 'mcp-session-id': transport.sessionId ?? '',
    });
    assert.equal(stolen.status, 400);
    assert.match(await stolen.text(), /another subject/);
    // A session of one route is not valid on another.
    const otherRoute = await post({ jsonrpc: '2.0', id: 4, method: 'tools/list' }, { 'mcp-session-id': transport.sessionId ?? '' });
    assert.equal(otherRoute.status, 400);
    await client.close();
  });

  test('serves over a Unix socket', async () => {
    const socketPath = unix.address.slice('unix:'.length);
    const answer = await new Promise<{ status: number; session: string | undefined; body: string }>((resolve, reject) => {
      const request = http.request(
        { socketPath, path: '/mcp', method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', [MCP_ROUTE_HEADER]: ROUTE } },
        (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (body += chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, session: response.headers['mcp-session-id']?.toString(), body }));
        },
      );
      request.on('error', reject);
      request.end(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'uds', version: '1' } } }));
    });
    assert.equal(answer.status, 200);
    assert.ok(answer.session);
    assert.match(answer.body, /envoy-ai-gateway/);
  });

  test('metrics: upstream names and the MCP semantic conventions', async () => {
    const text = await registry.metrics();
    assert.match(text, /mcp_method_count_total\{otel_scope_name="envoyproxy\/ai-gateway",mcp_method_name="tools\/call",status="failed",mcp_backend="alpha"\} [1-9]/);
    assert.match(text, /mcp_method_count_total\{[^}]*mcp_method_name="tools\/call",status="success",mcp_backend="gamma"\} [1-9]/);
    assert.match(text, /mcp_server_operation_duration_seconds_count\{[^}]*mcp_method_name="tools\/call",mcp_backend="alpha",gen_ai_tool_name="fail",gen_ai_operation_name="execute_tool",error_type="tool_error"/);
    assert.match(text, /mcp_request_duration_bucket\{/);
    assert.match(text, /mcp_initialization_duration_count\{otel_scope_name="envoyproxy\/ai-gateway",mcp_backend="alpha"\} [1-9]/);
    assert.match(text, /mcp_capabilities_negotiated_total\{[^}]*capability_type="tools",capability_side="server"\}/);
    assert.match(text, /mcp_progress_notifications_total\{otel_scope_name="envoyproxy\/ai-gateway"\} [1-9]/);
  });
});
