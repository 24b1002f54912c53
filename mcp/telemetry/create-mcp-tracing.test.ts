/**
 * MCP spans through the real proxy: SDK servers behind it, the SDK client in front sending a
 * traceparent, the ext_proc's tracer exporting OTLP/JSON to the test receiver. Both conventions.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { Registry } from 'prom-client';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../../test/support/otlp-receiver.js';
import { isRecord } from '../../common/json-guards.js';
import { createLogger } from '../../common/logger.js';
import { spanHeaderAttributes } from '../../extproc/telemetry/metrics/header-attributes.js';
import { createRequestTracer, type RequestTracer } from '../../extproc/telemetry/tracing/request-tracer.js';
import { createMcpTracing } from './create-mcp-tracing.js';
import { MCP_ROUTE_HEADER, type McpConfig } from '../../contract/mcp-config.js';
import { DEFAULT_MCP_PROXY_SETTINGS } from '../proxy/mcp-proxy-settings.js';
import { type McpProxyHandle, startMcpProxy } from '../proxy/mcp-proxy-server.js';
import { OPEN_ROUTE } from '../auth/mcp-route-auth.js';
import { McpSessionCrypto } from '../proxy/mcp-session-crypto.js';
import { startTestBackend, type TestBackend } from '../../test/support/mcp-test-backend.js';

const ROUTE = 'default/traced';
const SPAN_KIND_CLIENT = 3;
const STATUS_OK = 1;
const STATUS_ERROR = 2;

let alpha: TestBackend;
let beta: TestBackend;
let receiver: OtlpReceiver;
const tracers: RequestTracer[] = [];
const proxies: McpProxyHandle[] = [];

before(async () => {
  [alpha, beta, receiver] = await Promise.all([startTestBackend('full'), startTestBackend('simple'), startOtlpReceiver()]);
  // The OTLP exporters read their endpoint from the process environment.
  process.env.OTEL_EXPORTER_OTLP_ENDPOINT = receiver.url;
  process.env.OTEL_EXPORTER_OTLP_PROTOCOL = 'http/json';
});

after(async () => {
  await Promise.all(proxies.map((proxy) => proxy.close()));
  await Promise.all(tracers.map((tracer) => tracer.shutdown()));
  await Promise.all([alpha.close(), beta.close(), receiver.close()]);
});

async function tracedProxy(env: Record<string, string>): Promise<McpProxyHandle> {
  const tracer = createRequestTracer({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '20', ...env });
  assert.ok(tracer);
  tracers.push(tracer);
  const config: McpConfig = {
    routes: [{ name: ROUTE, path: '/mcp', listeners: [], hostnames: [], backends: [
      { name: 'alpha', url: alpha.url, headers: [], forwardHeaders: [] },
      { name: 'beta', url: beta.url, headers: [], forwardHeaders: [] },
    ] }],
  };
  const proxy = await startMcpProxy({
    port: 0,
    config,
    authFor: () => OPEN_ROUTE,
    registry: new Registry(),
    logger: createLogger('error'),
    crypto: new McpSessionCrypto({ seed: 'seed', iterations: 1000 }),
    settings: { ...DEFAULT_MCP_PROXY_SETTINGS, heartbeatIntervalMs: 0 },
    tracing: createMcpTracing(tracer, spanHeaderAttributes({})),
  });
  proxies.push(proxy);
  return proxy;
}

function newTrace(): { traceId: string; parentId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { traceId, parentId, traceparent: `00-${traceId}-${parentId}-01` };
}

async function connect(proxy: McpProxyHandle, traceparent: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'traced-client', version: '2.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${proxy.address}/mcp`), { requestInit: { headers: { [MCP_ROUTE_HEADER]: ROUTE, traceparent, 'agent-session-id': 'agent-7' } } });
  await client.connect(transport);
  return { client, transport };
}

function span(traceId: string, name: string, predicate: (candidate: ReceivedSpan) => boolean = () => true): Promise<ReceivedSpan> {
  return receiver.waitForSpan((candidate) => candidate.traceId === traceId && candidate.name === name && predicate(candidate));
}

const invalidParams = (error: unknown): boolean => error instanceof McpError && error.code === -32602;

describe('default convention (the gateway names)', () => {
  test('a span per request, joined to the client trace, with the mcp.* attributes and route events', async () => {
    const proxy = await tracedProxy({});
    const trace = newTrace();
    const { client } = await connect(proxy, trace.traceparent);
    await client.listTools();
    await client.callTool({ name: 'alpha__echo', arguments: { text: 'hi' } });
    await client.callTool({ name: 'alpha__fail' });
    await assert.rejects(client.callTool({ name: 'nope__echo' }), invalidParams);
    await client.getPrompt({ name: 'alpha__greet', arguments: { who: 'bob' } });
    await client.readResource({ uri: 'beta+docs://readme' });
    await client.ping();
    await client.close();

    const initialize = await span(trace.traceId, 'Initialize');
    assert.equal(initialize.kind, SPAN_KIND_CLIENT);
    assert.equal(initialize.parentSpanId, trace.parentId);
    assert.equal(initialize.attributes['mcp.method.name'], 'initialize');
    assert.equal(initialize.attributes['mcp.transport'], 'http');
    assert.equal(initialize.attributes['mcp.protocol.version'], '2025-06-18');
    assert.equal(initialize.attributes['mcp.client.name'], 'traced-client');
    assert.equal(initialize.attributes['mcp.client.version'], '2.0.0');
    assert.equal(initialize.attributes['session.id'], 'agent-7');
    const routes = initialize.events.filter((event) => event.name === 'route to backend');
    assert.deepEqual(routes.map((event) => event.attributes['mcp.backend.name']).sort(), ['alpha', 'beta']);
    assert.ok(routes.every((event) => event.attributes['mcp.session.new'] === true && typeof event.attributes['mcp.session.id'] === 'string'));
    assert.equal(initialize.status.code, STATUS_OK);
    assert.equal(initialize.attributes['mcp.session.id'], undefined, 'the client session is a gen_ai attribute only');

    const list = await span(trace.traceId, 'ListTools');
    assert.equal(list.events.filter((event) => event.name === 'route to backend').length, 2);
    assert.equal(list.attributes['mcp.tools.count'], undefined);

    const echo = await span(trace.traceId, 'CallTool', (candidate) => candidate.attributes['mcp.tool.name'] === 'alpha__echo');
    assert.equal(typeof echo.attributes['mcp.request.id'], 'string');
    assert.deepEqual(echo.events.map((event) => [event.name, event.attributes['mcp.backend.name'], event.attributes['mcp.session.new']]), [['route to backend', 'alpha', false]]);
    assert.equal(echo.status.code, STATUS_OK);
    // The backend's request is the gateway span's child: in the headers and in _meta.
    const echoCall = alpha.calls.find((call) => call.tool === 'echo' && isRecord(call.meta) && String(call.meta.traceparent).includes(trace.traceId));
    assert.ok(echoCall && isRecord(echoCall.meta));
    assert.equal(echoCall.meta.traceparent, `00-${trace.traceId}-${echo.spanId}-01`);
    assert.ok(alpha.requests.some((request) => request.headers.traceparent === `00-${trace.traceId}-${echo.spanId}-01`));

    const failed = await span(trace.traceId, 'CallTool', (candidate) => candidate.attributes['mcp.tool.name'] === 'alpha__fail');
    assert.equal(failed.status.code, STATUS_ERROR);
    assert.equal(failed.events.find((event) => event.name === 'exception')?.attributes['exception.type'], 'tool_error');
    const unknown = await span(trace.traceId, 'CallTool', (candidate) => candidate.attributes['mcp.tool.name'] === 'nope__echo');
    assert.equal(unknown.status.code, STATUS_ERROR);
    const exception = unknown.events.find((event) => event.name === 'exception');
    assert.equal(exception?.attributes['exception.type'], 'invalid_param');
    assert.match(String(exception?.attributes['exception.message']), /unknown tool "nope__echo"/);
    assert.equal(unknown.attributes['error.type'], undefined, 'error.type is a gen_ai attribute only');

    assert.equal((await span(trace.traceId, 'GetPrompt')).attributes['mcp.prompt.name'], 'alpha__greet');
    assert.equal((await span(trace.traceId, 'ReadResource')).attributes['mcp.resource.uri'], 'beta+docs://readme');
    assert.equal((await span(trace.traceId, 'Ping')).events.length, 0);
    assert.equal((await span(trace.traceId, 'notifications/initialized')).attributes['mcp.request.id'], undefined);
  });

  test('a traceparent in params._meta wins over the headers', async () => {
    const proxy = await tracedProxy({});
    const connection = newTrace();
    const message = newTrace();
    const { client, transport } = await connect(proxy, connection.traceparent);
    const response = await fetch(`${proxy.address}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', [MCP_ROUTE_HEADER]: ROUTE, 'mcp-session-id': transport.sessionId ?? '', traceparent: connection.traceparent },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'm1', method: 'tools/call', params: { name: 'alpha__echo', arguments: { text: 'meta' }, _meta: { traceparent: message.traceparent, 'agent-session-id': 'from-meta' } } }),
    });
    assert.equal(response.status, 200);
    await response.text();
    await client.close();
    const call = await span(message.traceId, 'CallTool');
    assert.equal(call.parentSpanId, message.parentId);
    assert.equal(call.attributes['session.id'], 'from-meta');
    const seen = alpha.calls.find((entry) => isRecord(entry.meta) && entry.meta.traceparent === `00-${message.traceId}-${call.spanId}-01`);
    assert.ok(seen && isRecord(seen.meta));
    assert.equal(seen.meta['agent-session-id'], 'from-meta', 'the rest of _meta reaches the backend unchanged');
  });
});

describe('AI_GATEWAY_TRACING_SEMCONV=gen_ai', () => {
  test('OpenTelemetry MCP names and attributes; content only with capture on', async () => {
    const proxy = await tracedProxy({ AI_GATEWAY_TRACING_SEMCONV: 'gen_ai', OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' });
    const trace = newTrace();
    const { client, transport } = await connect(proxy, trace.traceparent);
    const { tools } = await client.listTools();
    await client.callTool({ name: 'alpha__echo', arguments: { text: 'hi' } });
    await client.callTool({ name: 'alpha__fail' });
    await assert.rejects(client.callTool({ name: 'nope__echo' }), invalidParams);
    await client.getPrompt({ name: 'alpha__greet', arguments: { who: 'bob' } });
    const session = transport.sessionId;
    await client.close();

    const initialize = await span(trace.traceId, 'initialize');
    assert.equal(initialize.kind, SPAN_KIND_CLIENT);
    assert.equal(initialize.parentSpanId, trace.parentId);
    assert.equal(typeof initialize.attributes['mcp.protocol.version'], 'string');
    assert.equal(initialize.attributes['mcp.client.name'], 'traced-client');
    assert.equal(initialize.attributes['mcp.session.id'], session);
    assert.equal(initialize.attributes['mcp.transport'], undefined);

    const list = await span(trace.traceId, 'tools/list');
    assert.equal(list.attributes['mcp.tools.count'], tools.length);
    assert.equal(list.attributes['mcp.session.id'], session);
    assert.equal(list.attributes['network.protocol.name'], 'http');
    assert.equal(list.attributes['server.address'], undefined, 'a fan-out has no single server');
    assert.deepEqual(list.events.filter((event) => event.name !== 'route to backend').map((event) => event.name), ['tools/list aggregation begin', 'tools/list aggregation end']);

    const echo = await span(trace.traceId, 'tools/call alpha__echo');
    const a = echo.attributes;
    assert.equal(a['mcp.method.name'], 'tools/call');
    assert.equal(typeof a['jsonrpc.request.id'], 'string');
    assert.equal(a['gen_ai.operation.name'], 'execute_tool');
    assert.equal(a['gen_ai.tool.name'], 'alpha__echo');
    assert.equal(a['gen_ai.tool.call.arguments'], '{"text":"hi"}');
    assert.deepEqual(JSON.parse(String(a['gen_ai.tool.call.result'])), { content: [{ type: 'text', text: 'full:hi' }] });
    assert.equal(a['network.transport'], 'tcp');
    assert.equal(a['network.protocol.version'], '1.1');
    assert.equal(a['server.address'], '127.0.0.1');
    assert.equal(a['server.port'], Number(new URL(alpha.url).port));
    assert.equal(a['mcp.protocol.version'], '2025-06-18');
    assert.equal(a['session.id'], 'agent-7');
    assert.equal(echo.status.code, STATUS_OK);

    const failed = await span(trace.traceId, 'tools/call alpha__fail');
    assert.equal(failed.attributes['error.type'], 'tool_error');
    assert.equal(failed.status.code, STATUS_ERROR);
    const unknown = await span(trace.traceId, 'tools/call nope__echo');
    assert.equal(unknown.attributes['error.type'], '-32602');
    assert.equal(unknown.attributes['rpc.response.status_code'], '-32602');

    const prompt = await span(trace.traceId, 'prompts/get alpha__greet');
    assert.equal(prompt.attributes['gen_ai.prompt.name'], 'alpha__greet');
    assert.equal(prompt.attributes['gen_ai.prompt.variable.who'], 'bob');
  });

  test('without capture, no arguments, results or prompt variables', async () => {
    const proxy = await tracedProxy({ AI_GATEWAY_TRACING_SEMCONV: 'gen_ai' });
    const trace = newTrace();
    const { client } = await connect(proxy, trace.traceparent);
    await client.callTool({ name: 'alpha__echo', arguments: { text: 'secret text' } });
    await client.getPrompt({ name: 'alpha__greet', arguments: { who: 'bob' } });
    await client.close();
    const echo = await span(trace.traceId, 'tools/call alpha__echo');
    assert.equal(echo.attributes['gen_ai.tool.name'], 'alpha__echo');
    assert.ok(!Object.keys(echo.attributes).some((key) => key.startsWith('gen_ai.tool.call.')), Object.keys(echo.attributes).join());
    const prompt = await span(trace.traceId, 'prompts/get alpha__greet');
    assert.ok(!Object.keys(prompt.attributes).some((key) => key.startsWith('gen_ai.prompt.variable.')));
  });
});
