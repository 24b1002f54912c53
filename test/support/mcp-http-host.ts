import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

/** What serves one session: the SDK's low-level Server or its McpServer. */
export interface McpSessionServer {
  connect(transport: StreamableHTTPServerTransport): Promise<void>;
}

export interface McpHttpHostOptions<S extends McpSessionServer> {
  /** The server of a new session (a request without `mcp-session-id`: an initialize). */
  newSession(): S | Promise<S>;
  /** JSON replies instead of SSE. */
  enableJsonResponse: boolean;
  onSessionInitialized?(id: string, server: S): void;
  onSessionClosed?(id: string): void;
  /** Sees every request first (to record it, or to answer it itself: then it returns true). */
  intercept?(request: http.IncomingMessage, response: http.ServerResponse): boolean | Promise<boolean>;
}

export interface McpHttpHost {
  /** `http://127.0.0.1:<port>/mcp` */
  url: string;
  httpServer: http.Server;
  /** Closes every session, then the server (open connections are cut). */
  close(): Promise<void>;
}

/**
 * A stateful Streamable HTTP MCP endpoint on 127.0.0.1 for tests: a request with a session id
 * goes to that session's transport (404 for one it does not know), one without starts a session
 * with a new server. The test backends differ in their servers and in what they record.
 */
export async function startMcpHttpHost<S extends McpSessionServer>(options: McpHttpHostOptions<S>): Promise<McpHttpHost> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const httpServer = http.createServer((request, response) => {
    void (async () => {
      if (await options.intercept?.(request, response)) return;
      const sessionId = request.headers['mcp-session-id'];
      if (typeof sessionId === 'string') {
        const transport = transports.get(sessionId);
        if (!transport) {
          response.writeHead(404).end('no such session');
          return;
        }
        await transport.handleRequest(request, response);
        return;
      }
      const server = await options.newSession();
      const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: options.enableJsonResponse,
        onsessioninitialized: (id) => {
          transports.set(id, transport);
          options.onSessionInitialized?.(id, server);
        },
        onsessionclosed: (id) => {
          transports.delete(id);
          options.onSessionClosed?.(id);
        },
      });
      await server.connect(transport);
      await transport.handleRequest(request, response);
    })().catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500).end(String(error));
    });
  });
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  const address: AddressInfo | string | null = httpServer.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    httpServer,
    close: async () => {
      for (const transport of transports.values()) await transport.close();
      httpServer.closeAllConnections();
      await new Promise<void>((resolve) => httpServer.close(() => resolve()));
    },
  };
}
