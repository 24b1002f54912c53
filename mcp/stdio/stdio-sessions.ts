// SPDX-License-Identifier: Apache-2.0
//
// The Streamable HTTP side of a stdio2http bridge: any number of MCP sessions, each a low-level
// SDK Server whose every request is relayed to the one stdio server (stdio-upstream.ts).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { ErrorCode, ResultSchema, type ClientCapabilities, type JSONRPCRequest, type Notification, type Request, type RequestId, type Result, type ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { isRecord } from '../../common/json-guards.js';
import type { Logger } from '../../common/logger.js';
import { forwardRequest, RelayedError, toRelayedError } from './stdio-forward.js';
import type { StdioUpstream, UpstreamClient } from './stdio-upstream.js';

/** A plain number: JSON-RPC error codes from the wire are not the SDK's enum. */
const CONNECTION_CLOSED: number = ErrorCode.ConnectionClosed;

type BridgeServer = Server<Request, Notification, Result>;
type Extra = RequestHandlerExtra<Request, Notification>;

interface Session {
  id: string | undefined;
  server: BridgeServer;
  transport: StreamableHTTPServerTransport;
  /** Resource URIs this session subscribed to (the server sees one subscription per URI). */
  subscriptions: Set<string>;
  /** What the session was told at initialize. */
  capabilities: ServerCapabilities;
}

interface InFlight {
  session: Session;
  requestId: RequestId;
}

/** Which client capability a server→client request needs. */
const NEEDED_CAPABILITY: Readonly<Record<string, keyof ClientCapabilities>> = {
  'sampling/createMessage': 'sampling',
  'elicitation/create': 'elicitation',
  'roots/list': 'roots',
};

export interface StdioSessionsOptions {
  name: string;
  upstream: StdioUpstream;
  logger: Logger;
  requestTimeoutMs: number;
}

export class StdioSessions {
  private readonly sessions = new Map<string, Session>();
  /** Requests relayed to the server right now, oldest first, for routing its requests back. */
  private inFlight: InFlight[] = [];
  /** Subscribers per resource URI across sessions. */
  private readonly subscribers = new Map<string, number>();
  private logLevel: string | undefined;
  private lastActive: Session | undefined;
  private closing = false;

  constructor(private readonly options: StdioSessionsOptions) {}

  get size(): number {
    return this.sessions.size;
  }

  async handleHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path !== '/mcp') return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the MCP endpoint is /mcp\n');
    const header = req.headers['mcp-session-id'];
    const sessionId = Array.isArray(header) ? header[0] : header;
    if (sessionId !== undefined) {
      const session = this.sessions.get(sessionId);
      if (!session) return jsonRpcError(res, 404, -32001, 'Session not found');
      return session.transport.handleRequest(req, res);
    }
    if (this.closing) return jsonRpcError(res, 503, ErrorCode.ConnectionClosed, 'the stdio2http proxy is shutting down');
    if (req.method !== 'POST') return jsonRpcError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header is required');
    // Only an initialize request creates a session; the transport rejects anything else.
    const session = this.createSession();
    await session.server.connect(session.transport);
    await session.transport.handleRequest(req, res);
    if (session.id === undefined) await session.server.close();
  }

  /** A request from the stdio server (sampling, elicitation, roots, ...) for an HTTP client. */
  async serverRequest(request: JSONRPCRequest, extra: Extra): Promise<Result> {
    const needed = NEEDED_CAPABILITY[request.method];
    const target = this.pickTarget(needed);
    if (!target) {
      throw new RelayedError(
        needed ? ErrorCode.MethodNotFound : ErrorCode.InternalError,
        `no MCP client connected to the ${this.options.name} stdio2http proxy ${needed ? `supports ${needed}` : 'can answer'} (${request.method})`,
      );
    }
    return forwardRequest(target.session.server, request, extra, {
      timeoutMs: this.options.requestTimeoutMs,
      ...(target.requestId !== undefined ? { relatedRequestId: target.requestId } : {}),
    });
  }

  /** A notification from the stdio server: to every session, or to the subscribers of a resource. */
  async serverNotification(notification: Notification): Promise<void> {
    const uri = notification.method === 'notifications/resources/updated' && isRecord(notification.params) ? notification.params.uri : undefined;
    const targets = [...this.sessions.values()].filter((session) => typeof uri !== 'string' || session.subscriptions.has(uri));
    await Promise.all(targets.map((session) => this.notify(session, notification)));
  }

  /** A restarted server knows nothing of earlier sessions: restore what they set up. */
  async restored(client: UpstreamClient): Promise<void> {
    if (this.logLevel !== undefined) await client.request({ method: 'logging/setLevel', params: { level: this.logLevel } }, ResultSchema);
    for (const uri of this.subscribers.keys()) await client.request({ method: 'resources/subscribe', params: { uri } }, ResultSchema);
    // The new process may list other tools, prompts or resources.
    for (const session of this.sessions.values()) {
      for (const kind of ['tools', 'prompts', 'resources'] as const) {
        if (session.capabilities[kind]?.listChanged) await this.notify(session, { method: `notifications/${kind}/list_changed` });
      }
    }
  }

  async closeAll(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.sessions.values()].map((session) => session.server.close().catch(() => undefined)));
  }

  private createSession(): Session {
    const info = this.options.upstream.info;
    const server: BridgeServer = new Server<Request, Notification, Result>(info.serverInfo, {
      capabilities: info.capabilities,
      ...(info.instructions !== undefined ? { instructions: info.instructions } : {}),
    });
    const session: Session = {
      id: undefined,
      server,
      transport: new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          session.id = id;
          this.sessions.set(id, session);
        },
      }),
      subscriptions: new Set(),
      capabilities: info.capabilities,
    };
    // The SDK answers these locally; the stdio server must see them (a ping checks it is alive,
    // the log level is its own).
    server.removeRequestHandler('ping');
    server.removeRequestHandler('logging/setLevel');
    server.fallbackRequestHandler = (request, extra) => this.clientRequest(session, request, extra);
    server.fallbackNotificationHandler = (notification) => this.clientNotification(notification);
    server.onclose = () => this.dropSession(session);
    server.onerror = (error) => this.options.logger.debug('stdio2http session error', { name: this.options.name, error: error.message });
    return session;
  }

  /** A request from an HTTP client, relayed to the stdio server. */
  private async clientRequest(session: Session, request: JSONRPCRequest, extra: Extra): Promise<Result> {
    this.lastActive = session;
    const uri = isRecord(request.params) ? request.params.uri : undefined;
    if (request.method === 'resources/subscribe' && typeof uri === 'string') return this.subscribe(session, uri, request, extra);
    if (request.method === 'resources/unsubscribe' && typeof uri === 'string') return this.unsubscribe(session, uri, request, extra);
    const result = await this.relay(session, request, extra);
    if (request.method === 'logging/setLevel' && isRecord(request.params) && typeof request.params.level === 'string') this.logLevel = request.params.level;
    return result;
  }

  private async relay(session: Session, request: JSONRPCRequest, extra: Extra): Promise<Result> {
    const client = await this.options.upstream.connected();
    const entry: InFlight = { session, requestId: extra.requestId };
    this.inFlight.push(entry);
    try {
      return await forwardRequest(client, request, extra, { timeoutMs: this.options.requestTimeoutMs });
    } catch (error) {
      const relayed = toRelayedError(error);
      // The connection closed under the request because the server died: say so.
      if (relayed.code === CONNECTION_CLOSED && this.options.upstream.readyClient !== client) throw this.options.upstream.crashError();
      throw relayed;
    } finally {
      this.inFlight = this.inFlight.filter((other) => other !== entry);
    }
  }

  private async subscribe(session: Session, uri: string, request: JSONRPCRequest, extra: Extra): Promise<Result> {
    if (session.subscriptions.has(uri)) return {};
    const count = this.subscribers.get(uri) ?? 0;
    session.subscriptions.add(uri);
    this.subscribers.set(uri, count + 1);
    if (count > 0) return {};
    try {
      return await this.relay(session, request, extra);
    } catch (error) {
      session.subscriptions.delete(uri);
      this.release(uri);
      throw error;
    }
  }

  private async unsubscribe(session: Session, uri: string, request: JSONRPCRequest, extra: Extra): Promise<Result> {
    if (!session.subscriptions.delete(uri)) return {};
    return this.release(uri) ? this.relay(session, request, extra) : {};
  }

  /** One subscriber fewer; true when it was the last. */
  private release(uri: string): boolean {
    const left = (this.subscribers.get(uri) ?? 1) - 1;
    if (left > 0) this.subscribers.set(uri, left);
    else this.subscribers.delete(uri);
    return left <= 0;
  }

  private async clientNotification(notification: Notification): Promise<void> {
    const client = this.options.upstream.readyClient;
    if (!client) return this.options.logger.debug('notification dropped: stdio MCP server restarting', { name: this.options.name, method: notification.method });
    await client.notification(notification);
  }

  /**
   * Delivery on the session's newest in-flight request stream when there is one (a client
   * without a standalone GET stream still sees it), else on the standalone stream.
   */
  private async notify(session: Session, notification: Notification): Promise<void> {
    const related = [...this.inFlight].reverse().find((entry) => entry.session === session);
    try {
      await session.server.notification(notification, related ? { relatedRequestId: related.requestId } : undefined);
    } catch (error) {
      this.options.logger.debug('notification not delivered', { name: this.options.name, method: notification.method, error: error instanceof Error ? error.message : String(error) });
    }
  }

  /**
   * The stdio server's requests carry no hint of which HTTP request caused them. The session
   * with the newest in-flight request is the likeliest (sampling and elicitation happen inside a
   * tools/call), answered on that request's stream. With nothing in flight (e.g. roots/list
   * after the server started): the most recently active session, then any. Sessions whose client
   * lacks the needed capability are skipped.
   */
  private pickTarget(needed: keyof ClientCapabilities | undefined): { session: Session; requestId?: RequestId } | undefined {
    const able = (session: Session): boolean => session.id !== undefined && this.sessions.has(session.id) && (!needed || session.server.getClientCapabilities()?.[needed] !== undefined);
    // While requests are in flight the server's request belongs to one of them: never hand it
    // to an idle session (another client's LLM must not answer this one's sampling request).
    if (this.inFlight.length > 0) return [...this.inFlight].reverse().find((entry) => able(entry.session));
    if (this.lastActive && able(this.lastActive)) return { session: this.lastActive };
    const any = [...this.sessions.values()].reverse().find(able);
    return any ? { session: any } : undefined;
  }

  private dropSession(session: Session): void {
    if (session.id !== undefined) this.sessions.delete(session.id);
    if (this.lastActive === session) this.lastActive = undefined;
    const client = this.options.upstream.readyClient;
    for (const uri of session.subscriptions) {
      if (this.release(uri) && client) void client.request({ method: 'resources/unsubscribe', params: { uri } }, ResultSchema).catch(() => undefined);
    }
    session.subscriptions.clear();
  }
}

function jsonRpcError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: null }));
}
