import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  LoggingMessageNotificationSchema,
  McpError,
  PromptListChangedNotificationSchema,
  ResourceListChangedNotificationSchema,
  ToolListChangedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { Registry } from 'prom-client';
import { isRecord, type JsonRecord } from '../../common/json-guards.js';
import { createLogger } from '../../common/logger.js';
import { MCP_ROUTE_HEADER, type McpBackendConfig, type McpConfig, type McpRouteConfig } from '../../contract/mcp-config.js';
import { type McpRouteAuth, OPEN_ROUTE } from '../auth/mcp-route-auth.js';
import { DEFAULT_MCP_PROXY_SETTINGS } from './mcp-proxy-settings.js';
import { type McpProxyHandle, startMcpProxy } from './mcp-proxy-server.js';
import { McpSessionCrypto } from './mcp-session-crypto.js';
import { type FakeMcpServer, startFakeMcpServer } from '../../test/support/fake-mcp-server.js';
import { type McpEventStream, openMcpEventStream } from '../../test/support/mcp-event-stream.js';

const TOOLS = 'default/tools';
const OTHER = 'default/other';
/** Each test's own bound; every wait below has a shorter one of its own. */
const TEST_TIMEOUT_MS = 30_000;
const WAIT_MS = 5_000;
const HEARTBEAT_MS = 150;

function route(name: string, backends: McpBackendConfig[], extra: Partial<McpRouteConfig> = {}): McpRouteConfig {
  return { name, path: '/mcp', listeners: [], hostnames: [], backends, ...extra };
}

function backend(name: string, server: FakeMcpServer, extra: Partial<McpBackendConfig> = {}): McpBackendConfig {
  return { name, url: server.url, headers: [], forwardHeaders: [], ...extra };
}

/** A proxy on a TCP port with fast pings (the raw streams below count them) and its log lines. */
async function startProxy(config: McpConfig, authFor: (route: McpRouteConfig) => McpRouteAuth = () => OPEN_ROUTE): Promise<{ proxy: McpProxyHandle; logs: string[] }> {
  const logs: string[] = [];
  const proxy = await startMcpProxy({
    port: 0,
    config,
    authFor,
    registry: new Registry(),
    logger: createLogger('warn', (line) => logs.push(line)),
    crypto: new McpSessionCrypto({ seed: 'reload-tests', iterations: 1000 }),
    settings: { ...DEFAULT_MCP_PROXY_SETTINGS, heartbeatIntervalMs: HEARTBEAT_MS, initializeTimeoutMs: 5000 },
  });
  return { proxy, logs };
}

/** The official SDK client, recording the list_changed notifications and log messages it gets. */
async function connect(proxy: McpProxyHandle, routeName: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport; changes: string[]; logs: unknown[] }> {
  const client = new Client({ name: 'reload-test', version: '1.0.0' }, { capabilities: { sampling: {} } });
  const changes: string[] = [];
  const logs: unknown[] = [];
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changes.push('tools'));
  client.setNotificationHandler(PromptListChangedNotificationSchema, () => void changes.push('prompts'));
  client.setNotificationHandler(ResourceListChangedNotificationSchema, () => void changes.push('resources'));
  client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => void logs.push(notification.params.data));
  const transport = new StreamableHTTPClientTransport(new URL(`${proxy.address}/mcp`), { requestInit: { headers: { [MCP_ROUTE_HEADER]: routeName } } });
  await client.connect(transport);
  return { client, transport, changes, logs };
}

/** A session opened with plain HTTP: its id. */
async function rawInitialize(proxy: McpProxyHandle, routeName: string): Promise<string> {
  const initialize = await rawPost(proxy, routeName, undefined, { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
  assert.equal(initialize.status, 200, await initialize.clone().text());
  await initialize.text();
  const session = initialize.headers.get('mcp-session-id');
  assert.ok(session);
  const initialized = await rawPost(proxy, routeName, session, { jsonrpc: '2.0', method: 'notifications/initialized' });
  assert.equal(initialized.status, 202);
  return session;
}

function rawPost(proxy: McpProxyHandle, routeName: string, session: string | undefined, body: unknown): Promise<Response> {
  return fetch(`${proxy.address}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', [MCP_ROUTE_HEADER]: routeName, ...(session ? { 'mcp-session-id': session } : {}) },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(WAIT_MS),
  });
}

function rawStream(proxy: McpProxyHandle, routeName: string, session: string): Promise<McpEventStream> {
  return openMcpEventStream(`${proxy.address}/mcp`, { [MCP_ROUTE_HEADER]: routeName, 'mcp-session-id': session });
}

const isPing = (message: JsonRecord): boolean => message.method === 'ping';
const isListChanged = (message: JsonRecord): boolean => typeof message.method === 'string' && message.method.endsWith('/list_changed');

/**
 * Waits for two heartbeat pings written after now: a notification written before them on the
 * same stream has arrived by then (pings go out only after a quiet interval, so the second one
 * also follows anything a reload wrote after the first).
 */
async function twoPingsLater(stream: McpEventStream): Promise<void> {
  const from = stream.messages.length;
  const first = await stream.waitFor(isPing, WAIT_MS, from);
  await stream.waitFor((message) => isPing(message) && message !== first, WAIT_MS, from);
}

async function waitUntil(condition: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function toolNames(result: { tools: { name: string }[] }): string[] {
  return result.tools.map((tool) => tool.name).sort();
}

function text(result: unknown): string {
  const content: unknown = isRecord(result) && Array.isArray(result.content) ? result.content[0] : undefined;
  return isRecord(content) && typeof content.text === 'string' ? content.text : JSON.stringify(result);
}

const invalidParams = (pattern: RegExp) => (error: unknown): boolean => error instanceof McpError && error.code === -32602 && pattern.test(error.message);

/** Runs `body` with the servers it names started, and closes them (and what body opened) after. */
async function withServers(specs: Record<string, string[]>, body: (servers: Record<string, FakeMcpServer>, cleanup: (close: () => unknown) => void) => Promise<void>): Promise<void> {
  const servers: Record<string, FakeMcpServer> = {};
  for (const [name, tools] of Object.entries(specs)) servers[name] = await startFakeMcpServer({ name, tools });
  const closers: (() => unknown)[] = [];
  try {
    await body(servers, (close) => closers.push(close));
  } finally {
    for (const close of closers.reverse()) await Promise.resolve(close()).catch(() => undefined);
    await Promise.all(Object.values(servers).map((server) => server.close()));
  }
}

function get(servers: Record<string, FakeMcpServer>, name: string): FakeMcpServer {
  const server = servers[name];
  assert.ok(server, name);
  return server;
}

describe('MCP proxy reload', { timeout: TEST_TIMEOUT_MS }, () => {
  test('a backend added: the open GET stream hears list_changed; the session joins it once, without initializing again', async () => {
    await withServers({ alpha: ['echo'], gamma: ['add'] }, async (servers, cleanup) => {
      const alpha = get(servers, 'alpha');
      const gamma = get(servers, 'gamma');
      const { proxy } = await startProxy({ routes: [route(TOOLS, [backend('alpha', alpha)])] });
      cleanup(() => proxy.close());
      const { client, transport, changes, logs } = await connect(proxy, TOOLS);
      cleanup(() => client.close());
      await waitUntil(() => alpha.openStreams() === 1, 'the GET stream relaying alpha');
      const sessionId = transport.sessionId;
      assert.deepEqual(toolNames(await client.listTools()), ['alpha__echo']);

      const summary = proxy.reload({ routes: [route(TOOLS, [backend('alpha', alpha), backend('gamma', gamma)])] });
      assert.deepEqual(summary, {
        routesAdded: [],
        routesRemoved: [],
        routesChanged: [
          {
            route: TOOLS,
            backendsAdded: ['gamma'],
            backendsRemoved: [],
            backendsChanged: [],
            toolSelectorsChanged: [],
            fieldsChanged: [],
            authRebuilt: false,
            notifications: ['notifications/tools/list_changed', 'notifications/prompts/list_changed', 'notifications/resources/list_changed'],
            streamsNotified: 1,
          },
        ],
      });
      await waitUntil(() => changes.length === 3, 'three list_changed notifications');
      assert.deepEqual([...changes].sort(), ['prompts', 'resources', 'tools']);

      assert.deepEqual(toolNames(await client.listTools()), ['alpha__echo', 'gamma__add']);
      assert.equal(text(await client.callTool({ name: 'gamma__add' })), 'gamma:add');
      assert.deepEqual(toolNames(await client.listTools()), ['alpha__echo', 'gamma__add']);
      // The same gateway session: alpha's backend session kept, gamma's opened once for it
      // (the stream's relay and the requests share the join).
      assert.equal(transport.sessionId, sessionId);
      assert.equal(alpha.initialized.length, 1);
      assert.equal(gamma.initialized.length, 1);
      // Told what the client said at initialize, as alpha was.
      assert.deepEqual(gamma.clients, [{ name: 'reload-test', capabilities: { sampling: {} } }]);
      assert.deepEqual(alpha.clients, gamma.clients);
      assert.deepEqual(gamma.calls.map((call) => call.sessionId), [gamma.initialized[0]]);
      // The open GET stream relays the joined backend too.
      await waitUntil(() => gamma.openStreams() === 1, 'the GET stream relaying gamma');
      await gamma.notify(gamma.initialized[0] ?? '', 'from gamma');
      await waitUntil(() => logs.includes('from gamma'), 'gamma\'s log message on the GET stream');
    });
  });

  test('a backend removed: its tools vanish from the session, the other backend keeps its session, the stream stays open', async () => {
    await withServers({ alpha: ['echo'], beta: ['hello'] }, async (servers, cleanup) => {
      const alpha = get(servers, 'alpha');
      const beta = get(servers, 'beta');
      const { proxy } = await startProxy({ routes: [route(TOOLS, [backend('alpha', alpha), backend('beta', beta)])] });
      cleanup(() => proxy.close());
      const { client, changes } = await connect(proxy, TOOLS);
      cleanup(() => client.close());
      await waitUntil(() => alpha.openStreams() === 1 && beta.openStreams() === 1, 'the GET stream relaying alpha and beta');
      assert.equal(text(await client.callTool({ name: 'beta__hello' })), 'beta:hello');

      const summary = proxy.reload({ routes: [route(TOOLS, [backend('beta', beta)])] });
      assert.deepEqual(summary.routesChanged.map((change) => change.backendsRemoved), [['alpha']]);
      await waitUntil(() => changes.length === 3, 'three list_changed notifications');

      assert.deepEqual(toolNames(await client.listTools()), ['beta__hello']);
      assert.equal(text(await client.callTool({ name: 'beta__hello' })), 'beta:hello');
      assert.equal(beta.initialized.length, 1);
      assert.deepEqual(beta.calls.map((call) => call.sessionId), [beta.initialized[0], beta.initialized[0]]);
      await assert.rejects(client.callTool({ name: 'alpha__echo' }), invalidParams(/no server "alpha" in this session/));
      // alpha's relay is stopped and, with no call left, its connections closed; beta's relay goes on.
      await waitUntil(() => alpha.openStreams() === 0 && alpha.openConnections() === 0, 'alpha left alone');
      assert.equal(beta.openStreams(), 1);
    });
  });

  test('a toolSelector changed: tools/list_changed only, the filtered list, the same backend session', async () => {
    await withServers({ alpha: ['echo', 'secret'] }, async (servers, cleanup) => {
      const alpha = get(servers, 'alpha');
      const { proxy } = await startProxy({ routes: [route(TOOLS, [backend('alpha', alpha)])] });
      cleanup(() => proxy.close());
      const { client, changes } = await connect(proxy, TOOLS);
      cleanup(() => client.close());
      await waitUntil(() => alpha.openStreams() === 1, 'the GET stream relaying alpha');
      assert.deepEqual(toolNames(await client.listTools()), ['alpha__echo', 'alpha__secret']);

      const summary = proxy.reload({ routes: [route(TOOLS, [backend('alpha', alpha, { toolSelector: { exclude: ['secret'] } })])] });
      assert.deepEqual(
        summary.routesChanged.map((change) => ({ selectors: change.toolSelectorsChanged, changed: change.backendsChanged, notifications: change.notifications })),
        [{ selectors: ['alpha'], changed: [], notifications: ['notifications/tools/list_changed'] }],
      );
      await waitUntil(() => changes.includes('tools'), 'tools/list_changed');
      assert.deepEqual(toolNames(await client.listTools()), ['alpha__echo']);
      await assert.rejects(client.callTool({ name: 'alpha__secret' }), invalidParams(/alpha exposes no tool "secret"/));
      assert.equal(text(await client.callTool({ name: 'alpha__echo' })), 'alpha:echo');
      assert.deepEqual(changes, ['tools']);
      // Same client, same backend session, and the relay kept.
      assert.equal(alpha.initialized.length, 1);
      assert.equal(alpha.calls.at(-1)?.sessionId, alpha.initialized[0]);
      assert.equal(alpha.openStreams(), 1);
    });
  });

  test('a tools/call under way across reloads that change, then remove, its backend completes; then its connections close', async () => {
    await withServers({ alpha: ['echo', 'wait'], beta: ['hello'] }, async (servers, cleanup) => {
      const alpha = get(servers, 'alpha');
      const beta = get(servers, 'beta');
      const { proxy } = await startProxy({ routes: [route(TOOLS, [backend('alpha', alpha), backend('beta', beta)])] });
      cleanup(() => proxy.close());
      const { client } = await connect(proxy, TOOLS);
      cleanup(() => client.close());

      const slow = client.callTool({ name: 'alpha__wait', arguments: { ms: 1500 } });
      await waitUntil(() => alpha.calls.some((call) => call.tool === 'wait'), 'alpha running the slow call');
      // alpha's connection settings change: a new client for new requests, the old one kept for this call.
      proxy.reload({ routes: [route(TOOLS, [backend('alpha', alpha, { headers: [{ name: 'x-version', value: '2' }] }), backend('beta', beta)])] });
      assert.equal(text(await client.callTool({ name: 'alpha__echo' })), 'alpha:echo');
      // The session joined alpha again with the new settings (its old backend session belongs to the old ones).
      assert.equal(alpha.initialized.length, 2);
      assert.equal(alpha.calls.at(-1)?.sessionId, alpha.initialized[1]);
      assert.equal(alpha.requests.at(-1)?.['x-version'], '2');
      // Then alpha goes altogether, with the slow call still running on the first client.
      proxy.reload({ routes: [route(TOOLS, [backend('beta', beta)])] });
      assert.equal(text(await slow), 'alpha:waited');
      assert.equal(alpha.calls.find((call) => call.tool === 'wait')?.sessionId, alpha.initialized[0]);
      await waitUntil(() => alpha.openConnections() === 0, 'alpha\'s connections closed once unused');
      assert.equal(text(await client.callTool({ name: 'beta__hello' })), 'beta:hello');
    });
  });

  test('a session initialized across a reload is dated by when it began: it joins the backend the reload changed, a later one does not', async () => {
    const alpha = await startFakeMcpServer({ name: 'alpha', tools: ['echo'], initializeDelayMs: 400 });
    const beta = await startFakeMcpServer({ name: 'beta', tools: ['hello'] });
    const other = route(OTHER, [backend('beta', beta)]);
    const { proxy } = await startProxy({ routes: [route(TOOLS, [backend('alpha', alpha)]), other] });
    const call = async (session: string, id: number): Promise<void> => {
      const answer = await rawPost(proxy, TOOLS, session, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'alpha__echo' } });
      assert.equal(answer.status, 200);
      assert.match(await answer.text(), /alpha:echo/);
    };
    try {
      const before = rawInitialize(proxy, TOOLS);
      await waitUntil(() => alpha.requests.length > 0, 'the initialize at alpha');
      proxy.reload({ routes: [route(TOOLS, [backend('alpha', alpha, { headers: [{ name: 'x-version', value: '2' }] })]), other] });
      // A session made meanwhile on another route is of the new epoch: the slow one must still be of the old.
      await rawInitialize(proxy, OTHER);
      const after = rawInitialize(proxy, TOOLS);
      const [early, late] = [await before, await after];
      assert.equal(alpha.initialized.length, 2);
      // The early session's alpha session was opened with the old settings: it joins alpha anew.
      await call(early, 2);
      assert.equal(alpha.initialized.length, 3);
      assert.equal(alpha.calls.at(-1)?.sessionId, alpha.initialized[2]);
      assert.equal(alpha.requests.at(-1)?.['x-version'], '2');
      // The late one was initialized with the new settings: it keeps its alpha session.
      await call(late, 3);
      assert.equal(alpha.initialized.length, 3);
      assert.equal(alpha.calls.at(-1)?.sessionId, alpha.initialized[1]);
    } finally {
      await proxy.close();
      await Promise.all([alpha.close(), beta.close()]);
    }
  });

  test('a route the reload leaves alone: its GET stream gets no list_changed', async () => {
    await withServers({ alpha: ['echo'], beta: ['hello'] }, async (servers, cleanup) => {
      const alpha = get(servers, 'alpha');
      const beta = get(servers, 'beta');
      const other = route(OTHER, [backend('beta', beta)]);
      const { proxy } = await startProxy({ routes: [route(TOOLS, [backend('alpha', alpha)]), other] });
      cleanup(() => proxy.close());
      const changedStream = await rawStream(proxy, TOOLS, await rawInitialize(proxy, TOOLS));
      cleanup(() => changedStream.close());
      const quietStream = await rawStream(proxy, OTHER, await rawInitialize(proxy, OTHER));
      cleanup(() => quietStream.close());
      await Promise.all([changedStream.waitFor(isPing, WAIT_MS), quietStream.waitFor(isPing, WAIT_MS)]);

      const summary = proxy.reload({ routes: [route(TOOLS, [backend('alpha', alpha, { toolSelector: { exclude: ['x'] } })]), other] });
      assert.deepEqual(summary.routesChanged.map((change) => change.route), [TOOLS]);
      await changedStream.waitFor((message) => message.method === 'notifications/tools/list_changed', WAIT_MS);
      await twoPingsLater(quietStream);
      assert.deepEqual(quietStream.messages.filter(isListChanged), []);
    });
  });

  test('authFor throwing for a changed route: the reload throws and nothing changes', async () => {
    await withServers({ alpha: ['echo'], gamma: ['add'] }, async (servers, cleanup) => {
      const alpha = get(servers, 'alpha');
      const gamma = get(servers, 'gamma');
      const asked: string[] = [];
      const authFor = (config: McpRouteConfig): McpRouteAuth => {
        asked.push(config.name);
        if (config.authorization) throw new Error(`MCPRoute ${config.name}: authorization: bad rule`);
        return OPEN_ROUTE;
      };
      const { proxy } = await startProxy({ routes: [route(TOOLS, [backend('alpha', alpha)]), route(OTHER, [backend('alpha', alpha)])] }, authFor);
      cleanup(() => proxy.close());
      assert.deepEqual(asked, [TOOLS, OTHER]);
      const session = await rawInitialize(proxy, TOOLS);
      const stream = await rawStream(proxy, TOOLS, session);
      cleanup(() => stream.close());
      await stream.waitFor(isPing, WAIT_MS);

      const authorization = { defaultAction: 'Deny' as const, rules: [] };
      assert.throws(
        () => proxy.reload({ routes: [route(TOOLS, [backend('alpha', alpha), backend('gamma', gamma)], { authorization }), route(OTHER, [backend('alpha', alpha), backend('gamma', gamma)])] }),
        /bad rule/,
      );
      await twoPingsLater(stream);
      assert.deepEqual(stream.messages.filter(isListChanged), []);
      const list = await rawPost(proxy, TOOLS, session, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
      const listed = await list.text();
      assert.match(listed, /alpha__echo/);
      assert.doesNotMatch(listed, /gamma__/);
      const fresh = await connect(proxy, OTHER);
      cleanup(() => fresh.client.close());
      assert.deepEqual(toolNames(await fresh.client.listTools()), ['alpha__echo']);
      assert.equal(gamma.initialized.length, 0);

      // A reload that only adds a backend keeps each route's security: authFor is not asked again.
      proxy.reload({ routes: [route(TOOLS, [backend('alpha', alpha), backend('gamma', gamma)]), route(OTHER, [backend('alpha', alpha)])] });
      assert.deepEqual(asked, [TOOLS, OTHER, TOOLS]);
      await stream.waitFor((message) => message.method === 'notifications/tools/list_changed', WAIT_MS);
    });
  });

  test('a route removed: its GET streams end and its sessions get a clean 404', async () => {
    await withServers({ alpha: ['echo'] }, async (servers, cleanup) => {
      const alpha = get(servers, 'alpha');
      const { proxy } = await startProxy({ routes: [route(TOOLS, [backend('alpha', alpha)]), route(OTHER, [backend('alpha', alpha)])] });
      cleanup(() => proxy.close());
      const session = await rawInitialize(proxy, OTHER);
      const stream = await rawStream(proxy, OTHER, session);
      cleanup(() => stream.close());
      await stream.waitFor(isPing, WAIT_MS);

      const summary = proxy.reload({ routes: [route(TOOLS, [backend('alpha', alpha)])] });
      assert.deepEqual(summary.routesRemoved, [OTHER]);
      await Promise.race([stream.ended, new Promise((_, reject) => setTimeout(() => reject(new Error('the stream of the removed route did not end')), WAIT_MS))]);
      const answer = await rawPost(proxy, OTHER, session, { jsonrpc: '2.0', id: 2, method: 'tools/list' });
      assert.equal(answer.status, 404);
      assert.equal(await answer.text(), `unknown MCP route ${OTHER}`);
      // The route that stayed still serves.
      const kept = await rawPost(proxy, TOOLS, await rawInitialize(proxy, TOOLS), { jsonrpc: '2.0', id: 3, method: 'tools/list' });
      assert.match(await kept.text(), /alpha__echo/);
    });
  });
});
