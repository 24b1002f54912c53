import * as http from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListRootsResultSchema,
  ListToolsRequestSchema,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';
import { startMcpHttpHost } from './mcp-http-host.js';

/**
 * Real MCP servers (the official SDK over Streamable HTTP) for the proxy's tests:
 * - `full`: low-level Server with tools (echo, fail, secret, progress, roots, slow), prompts,
 *   resources and templates, completion, logging; stateful, SSE replies;
 * - `simple`: McpServer (high-level API) with one tool, prompt and resource; stateful, JSON replies;
 * - `stateless`: low-level Server without sessions, JSON replies, tools add/sub/mul.
 */
export type TestBackendKind = 'full' | 'simple' | 'stateless';

export interface TestBackend {
  url: string;
  /** Live sessions (stateful kinds): id → the server of that session. */
  sessions: Map<string, { notify(message: string): Promise<void> }>;
  /** Session ids ended by DELETE. */
  closedSessions: string[];
  /** Headers of every request received. */
  requests: { method: string; headers: http.IncomingHttpHeaders }[];
  /** Tool calls that saw their request cancelled. */
  cancelled: string[];
  /** Every tools/call (`full` and `stateless` kinds): the tool and the request's `_meta`. */
  calls: { tool: string; meta: unknown }[];
  close(): Promise<void>;
}

export async function startTestBackend(kind: TestBackendKind): Promise<TestBackend> {
  const sessions: TestBackend['sessions'] = new Map();
  const closedSessions: string[] = [];
  const requests: TestBackend['requests'] = [];
  const cancelled: string[] = [];
  const calls: TestBackend['calls'] = [];
  const host = await startMcpHttpHost<Server | McpServer>({
    enableJsonResponse: kind === 'simple',
    intercept: async (request, response) => {
      requests.push({ method: request.method ?? '', headers: request.headers });
      if (kind !== 'stateless') return false;
      // No sessions: a server and a transport per request.
      const mcp = buildFull('stateless', cancelled, calls);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      response.on('close', () => void transport.close().then(() => mcp.close()));
      await mcp.connect(transport);
      await transport.handleRequest(request, response);
      return true;
    },
    newSession: () => (kind === 'full' ? buildFull('full', cancelled, calls) : buildSimple()),
    onSessionInitialized: (id, mcp) => {
      sessions.set(id, { notify: (message) => (mcp instanceof McpServer ? mcp.server : mcp).sendLoggingMessage({ level: 'info', data: message }) });
    },
    onSessionClosed: (id) => {
      sessions.delete(id);
      closedSessions.push(id);
    },
  });
  return { url: host.url, sessions, closedSessions, requests, cancelled, calls, close: () => host.close() };
}

function buildFull(name: string, cancelled: string[], calls: TestBackend['calls']): Server {
  const stateless = name === 'stateless';
  const server = new Server(
    { name, version: '1.0.0' },
    { capabilities: stateless ? { tools: {} } : { tools: { listChanged: true }, prompts: {}, resources: { subscribe: true }, logging: {}, completions: {} } },
  );
  const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: (stateless ? ['add', 'sub', 'mul'] : ['echo', 'fail', 'secret', 'progress', 'roots', 'slow', 'link']).map((tool) => ({
      name: tool,
      description: `${tool} tool`,
      inputSchema: { type: 'object' as const },
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const args = request.params.arguments ?? {};
    calls.push({ tool: request.params.name, meta: request.params._meta });
    switch (request.params.name) {
      case 'add':
        return text(String(Number(args.a) + Number(args.b)));
      case 'echo':
        return text(`${name}:${String(args.text)}`);
      case 'fail':
        return { ...text('it broke'), isError: true };
      case 'progress': {
        const token = request.params._meta?.progressToken;
        await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', data: 'working' } });
        if (token !== undefined) {
          await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: 1, total: 2 } });
          await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: 2, total: 2 } });
        }
        return text('done');
      }
      case 'roots': {
        const roots = await extra.sendRequest({ method: 'roots/list' }, ListRootsResultSchema);
        return text(roots.roots.map((root) => root.uri).join(','));
      }
      case 'slow':
        await new Promise<void>((resolve) => {
          extra.signal.addEventListener('abort', () => {
            cancelled.push(String(extra.requestId));
            resolve();
          });
        });
        return text('cancelled');
      case 'link':
        return { content: [{ type: 'resource_link' as const, uri: 'file:///a.txt', name: 'a' }] };
      default:
        return { ...text(`unknown tool ${request.params.name}`), isError: true };
    }
  });
  if (stateless) return server;
  server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: [{ name: 'greet', arguments: [{ name: 'who' }] }] }));
  server.setRequestHandler(GetPromptRequestSchema, (request) => ({
    messages: [{ role: 'user' as const, content: { type: 'text' as const, text: `hello ${String(request.params.arguments?.who)} from ${name}` } }],
  }));
  server.setRequestHandler(ListResourcesRequestSchema, (request) =>
    // Two pages, so the proxy has to follow the cursor.
    request.params?.cursor === 'page2'
      ? { resources: [{ name: 'b', uri: 'file:///b.txt' }] }
      : { resources: [{ name: 'a', uri: 'file:///a.txt' }], nextCursor: 'page2' },
  );
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({ resourceTemplates: [{ name: 'files', uriTemplate: 'file:///{path}' }] }));
  server.setRequestHandler(ReadResourceRequestSchema, (request) => ({ contents: [{ uri: request.params.uri, text: `content of ${request.params.uri}` }] }));
  server.setRequestHandler(SubscribeRequestSchema, () => ({}));
  server.setRequestHandler(CompleteRequestSchema, (request) => ({
    completion: { values: [`${request.params.ref.type}:${'name' in request.params.ref ? request.params.ref.name : request.params.ref.uri}`] },
  }));
  server.setRequestHandler(SetLevelRequestSchema, () => ({}));
  return server;
}

function buildSimple(): McpServer {
  const server = new McpServer({ name: 'simple', version: '1.0.0' }, { capabilities: { logging: {} } });
  server.registerTool('whoami', { description: 'says who' }, () => ({ content: [{ type: 'text', text: 'simple server' }] }));
  server.registerPrompt('intro', { description: 'an intro' }, () => ({ messages: [{ role: 'user', content: { type: 'text', text: 'intro' } }] }));
  server.registerResource('readme', 'docs://readme', { mimeType: 'text/plain' }, (uri) => ({ contents: [{ uri: uri.href, text: 'read me' }] }));
  return server;
}
