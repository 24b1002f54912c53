import * as http from 'node:http';
import type { Socket } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ListPromptsRequestSchema, ListResourcesRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { startMcpHttpHost } from './mcp-http-host.js';

export interface FakeMcpServerOptions {
  /** The server's name: tool answers are `<name>:<tool>`. */
  name: string;
  /** Tool names; `wait` (arguments `{ ms }`) answers `<name>:waited` after `ms` milliseconds. */
  tools: string[];
  /** Delay before each initialize is answered (a slow server). */
  initializeDelayMs?: number;
}

/**
 * A stateful MCP server (the official SDK over Streamable HTTP, JSON replies, GET streams) that
 * records what the gateway did with it, for the reload tests: every session it opened, every
 * tool call with the session it came in, the GET streams open now and the TCP connections open now.
 */
export interface FakeMcpServer {
  url: string;
  /** Session ids in the order initialize created them. */
  initialized: string[];
  /** Every tools/call: the tool and the backend session it came in. */
  calls: { tool: string; sessionId: string | undefined }[];
  /** What each initialize said of the client: its name and capabilities. */
  clients: { name: string | undefined; capabilities: unknown }[];
  /** Request headers of every HTTP request. */
  requests: http.IncomingHttpHeaders[];
  /** GET (notification) streams open now. */
  openStreams(): number;
  /** TCP connections open now. */
  openConnections(): number;
  /** Sends a logging notification on a session's GET stream. */
  notify(sessionId: string, message: string): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeMcpServer(options: FakeMcpServerOptions): Promise<FakeMcpServer> {
  const initialized: string[] = [];
  const calls: FakeMcpServer['calls'] = [];
  const clients: FakeMcpServer['clients'] = [];
  const requests: http.IncomingHttpHeaders[] = [];
  const servers = new Map<string, Server>();
  const sockets = new Set<Socket>();
  let streams = 0;
  const host = await startMcpHttpHost<Server>({
    enableJsonResponse: true,
    intercept: (request, response) => {
      requests.push(request.headers);
      if (request.method === 'GET') {
        streams++;
        response.on('close', () => streams--);
      }
      return false;
    },
    newSession: async () => {
      if (options.initializeDelayMs) await new Promise((resolve) => setTimeout(resolve, options.initializeDelayMs));
      const server = buildServer(options, calls);
      server.oninitialized = () => void clients.push({ name: server.getClientVersion()?.name, capabilities: server.getClientCapabilities() });
      return server;
    },
    onSessionInitialized: (id, server) => {
      initialized.push(id);
      servers.set(id, server);
    },
    onSessionClosed: (id) => servers.delete(id),
  });
  host.httpServer.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return {
    url: host.url,
    initialized,
    calls,
    clients,
    requests,
    openStreams: () => streams,
    openConnections: () => sockets.size,
    notify: async (sessionId, message) => {
      const server = servers.get(sessionId);
      if (!server) throw new Error(`no session ${sessionId} on ${options.name}`);
      await server.sendLoggingMessage({ level: 'info', data: message });
    },
    close: () => host.close(),
  };
}

function buildServer(options: FakeMcpServerOptions, calls: FakeMcpServer['calls']): Server {
  const { name } = options;
  const server = new Server({ name, version: '1.0.0' }, { capabilities: { tools: {}, prompts: {}, resources: {}, logging: {} } });
  const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: options.tools.map((tool) => ({ name: tool, inputSchema: { type: 'object' as const } })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    calls.push({ tool: request.params.name, sessionId: extra.sessionId });
    if (!options.tools.includes(request.params.name)) return { ...text(`unknown tool ${request.params.name}`), isError: true };
    if (request.params.name === 'wait') {
      await new Promise((resolve) => setTimeout(resolve, Number(request.params.arguments?.ms ?? 0)));
      return text(`${name}:waited`);
    }
    return text(`${name}:${request.params.name}`);
  });
  server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: [{ name: `${name}-prompt` }] }));
  server.setRequestHandler(ListResourcesRequestSchema, () => ({ resources: [{ name: `${name}-resource`, uri: `file:///${name}.txt` }] }));
  return server;
}
