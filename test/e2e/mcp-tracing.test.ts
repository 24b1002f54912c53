/**
 * MCP tracing end to end: `aigw run` with an MCPRoute over two SDK servers and OTLP export to a
 * test receiver, the SDK client sending a traceparent. One gateway per convention (the default
 * and AI_GATEWAY_TRACING_SEMCONV=gen_ai with content capture). Each span joins the client's
 * trace, and the backends receive the gateway's span as their parent, in the HTTP headers and
 * in `params._meta`.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { stringify } from 'yaml';
import { isRecord } from '../../common/json-guards.js';
import { startTestBackend, type TestBackend } from '../support/mcp-test-backend.js';
import { startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';

const SPAN_KIND_CLIENT = 3;
const STATUS_OK = 1;
const STATUS_ERROR = 2;

let full: TestBackend;
let simple: TestBackend;
let receiver: OtlpReceiver;
let gateways: { legacy: { aigw: AigwProcess; base: string }; genAi: { aigw: AigwProcess; base: string } } | undefined;

function config(port: number): string {
  const gateway = { name: 'aigw-run', kind: 'Gateway', group: 'gateway.networking.k8s.io' };
  const backend = (name: string, url: string): Record<string, unknown> => {
    const parsed = new URL(url);
    return { apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'Backend', metadata: { name, namespace: 'default' }, spec: { endpoints: [{ ip: { address: parsed.hostname, port: Number(parsed.port) } }] } };
  };
  const ref = (name: string, url: string): Record<string, unknown> => ({ name, kind: 'Backend', group: 'gateway.envoyproxy.io', path: new URL(url).pathname });
  return [
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'aigw-run' }, spec: { controllerName: 'gateway.envoyproxy.io/gatewayclass-controller' } },
    { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'aigw-run', namespace: 'default' }, spec: { gatewayClassName: 'aigw-run', listeners: [{ name: 'http', protocol: 'HTTP', port }] } },
    {
      apiVersion: 'aigateway.envoyproxy.io/v1alpha1',
      kind: 'MCPRoute',
      metadata: { name: 'traced', namespace: 'default' },
      spec: { parentRefs: [gateway], path: '/mcp', backendRefs: [ref('full', full.url), ref('simple', simple.url)] },
    },
    backend('full', full.url),
    backend('simple', simple.url),
  ]
    .map((document) => stringify(document))
    .join('---\n');
}

async function startGateway(env: Record<string, string>): Promise<{ aigw: AigwProcess; base: string }> {
  const aigw = await startAigw({
    configYaml: (port) => config(port),
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_SERVICE_NAME: 'aigw-mcp-e2e', ...env },
  });
  const port = aigw.port;
  return { aigw, base: `http://localhost:${port}` };
}

before(async () => {
  [full, simple, receiver] = await Promise.all([startTestBackend('full'), startTestBackend('simple'), startOtlpReceiver()]);
  const [legacy, genAi] = await Promise.all([startGateway({}), startGateway({ AI_GATEWAY_TRACING_SEMCONV: 'gen_ai', OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' })]);
  gateways = { legacy, genAi };
});

after(async () => {
  await Promise.all([gateways?.legacy.aigw.stop(), gateways?.genAi.aigw.stop()]);
  await Promise.all([full?.close(), simple?.close(), receiver?.close()]);
});

function newTrace(): { traceId: string; parentId: string; traceparent: string } {
  const traceId = randomBytes(16).toString('hex');
  const parentId = randomBytes(8).toString('hex');
  return { traceId, parentId, traceparent: `00-${traceId}-${parentId}-01` };
}

async function connect(base: string, traceparent: string): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'aigw-e2e', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { traceparent, 'agent-session-id': 'e2e-agent' } } });
  await client.connect(transport);
  return { client, transport };
}

function span(traceId: string, name: string): Promise<ReceivedSpan> {
  return receiver.waitForSpan((candidate) => candidate.traceId === traceId && candidate.name === name, 15_000);
}

const invalidParams = (error: unknown): boolean => error instanceof McpError && error.code === -32602;

test('default convention: Initialize, ListTools and CallTool spans in the client trace; the backend is their child', async () => {
  assert.ok(gateways);
  const trace = newTrace();
  const { client } = await connect(gateways.legacy.base, trace.traceparent);
  try {
    await client.listTools();
    await client.callTool({ name: 'full__echo', arguments: { text: 'traced' } });
    await assert.rejects(client.callTool({ name: 'nope__echo' }), invalidParams);
  } finally {
    await client.close();
  }
  const initialize = await span(trace.traceId, 'Initialize');
  assert.equal(initialize.kind, SPAN_KIND_CLIENT);
  assert.equal(initialize.parentSpanId, trace.parentId);
  assert.equal(initialize.resource['service.name'], 'aigw-mcp-e2e');
  assert.equal(initialize.attributes['mcp.client.name'], 'aigw-e2e');
  assert.equal(initialize.attributes['session.id'], 'e2e-agent');
  assert.deepEqual(initialize.events.map((event) => event.attributes['mcp.backend.name']).sort(), ['full', 'simple']);

  const list = await span(trace.traceId, 'ListTools');
  assert.equal(list.parentSpanId, trace.parentId);
  assert.equal(list.attributes['mcp.method.name'], 'tools/list');

  const call = await span(trace.traceId, 'CallTool');
  assert.equal(call.attributes['mcp.tool.name'], 'full__echo');
  assert.equal(call.status.code, STATUS_OK);
  assert.deepEqual(call.events.map((event) => [event.name, event.attributes['mcp.backend.name']]), [['route to backend', 'full']]);
  const expected = `00-${trace.traceId}-${call.spanId}-01`;
  assert.ok(full.requests.some((request) => request.headers.traceparent === expected), 'traceparent header at the backend');
  const seen = full.calls.find((entry) => entry.tool === 'echo' && isRecord(entry.meta) && entry.meta.traceparent === expected);
  assert.ok(seen, `_meta.traceparent at the backend: ${JSON.stringify(full.calls.map((entry) => entry.meta))}`);
});

test('gen_ai convention: OpenTelemetry MCP names and attributes, content captured, JSON-RPC error codes', async () => {
  assert.ok(gateways);
  const trace = newTrace();
  const { client, transport } = await connect(gateways.genAi.base, trace.traceparent);
  let session: string | undefined;
  try {
    const { tools } = await client.listTools();
    assert.ok(tools.length > 0);
    await client.callTool({ name: 'full__echo', arguments: { text: 'captured' } });
    await assert.rejects(client.callTool({ name: 'nope__echo' }), invalidParams);
    session = transport.sessionId;
  } finally {
    await client.close();
  }
  const initialize = await span(trace.traceId, 'initialize');
  assert.equal(initialize.kind, SPAN_KIND_CLIENT);
  assert.equal(initialize.parentSpanId, trace.parentId);
  assert.equal(initialize.attributes['mcp.session.id'], session);

  const list = await span(trace.traceId, 'tools/list');
  assert.equal(typeof list.attributes['mcp.tools.count'], 'number');

  const call = await span(trace.traceId, 'tools/call full__echo');
  const a = call.attributes;
  assert.equal(a['gen_ai.operation.name'], 'execute_tool');
  assert.equal(a['gen_ai.tool.name'], 'full__echo');
  assert.equal(a['gen_ai.tool.call.arguments'], '{"text":"captured"}');
  assert.match(String(a['gen_ai.tool.call.result']), /full:captured/);
  assert.equal(typeof a['jsonrpc.request.id'], 'string');
  assert.equal(a['mcp.session.id'], session);
  assert.equal(a['server.address'], '127.0.0.1');
  assert.equal(a['network.protocol.name'], 'http');
  assert.equal(a['session.id'], 'e2e-agent');
  const expected = `00-${trace.traceId}-${call.spanId}-01`;
  assert.ok(full.calls.some((entry) => isRecord(entry.meta) && entry.meta.traceparent === expected));

  const unknown = await span(trace.traceId, 'tools/call nope__echo');
  assert.equal(unknown.status.code, STATUS_ERROR);
  assert.equal(unknown.attributes['error.type'], '-32602');
  assert.equal(unknown.attributes['rpc.response.status_code'], '-32602');
});
