import { setMaxListeners } from 'node:events';
import type * as http from 'node:http';
import { isRecord } from '../../common/json-guards.js';
import type { Logger } from '../../common/logger.js';
import type { HeaderAttribute } from '../../extproc/telemetry/metrics/header-attributes.js';
import { AigwError } from '../../common/errors.js';
import { bodySnippet, discard } from './mcp-backend-client.js';
import { BackendJoins } from './mcp-backend-joins.js';
import { MCP_ROUTE_HEADER, type McpConfig, type McpRouteConfig } from '../../contract/mcp-config.js';
import {
  type BackendRuntime,
  type Exchange,
  forwardedHeaders,
  LATEST_PROTOCOL_VERSION,
  McpProxyError,
  type Outcome,
  PROTOCOL_VERSIONS,
  type ProxyRuntime,
  type RouteRuntime,
  sendAccepted,
  sendJson,
  setMetadataHeaders,
  SUCCESS,
  writeHead,
} from './mcp-exchange.js';
import { handleFanOut, isFanOutMethod, sessionToolNames } from './mcp-fan-out.js';
import { forwardRequest, forwardToBackend, inFlightKey, notifyBackends } from './mcp-forward.js';
import { handleInitialize } from './mcp-initialize.js';
import { type JsonRpcMessage, type JsonRpcNotification, type JsonRpcRequest, parseJsonRpcMessage } from './mcp-jsonrpc.js';
import { metaValue } from './mcp-meta-value.js';
import type { McpMetrics } from '../telemetry/mcp-metrics.js';
import type { McpTracing } from '../telemetry/mcp-tracing.js';
import { splitNamespacedUri, splitPrefixedName } from './mcp-names.js';
import { GATEWAY_PING_ID_PREFIX, GATEWAY_TOOLS_CHANGED_ID_PREFIX, streamNotifications } from './mcp-notification-stream.js';
import type { McpProxySettings } from './mcp-proxy-settings.js';
import { decodeRoutedId } from './mcp-routed-id.js';
import type { McpHttpAnswer, McpHttpRequest, McpRouteAuth } from '../auth/mcp-route-auth.js';
import { type McpReloadSummary, mcpReloadChanged } from './mcp-reload-summary.js';
import { buildRouteRuntimes } from './mcp-route-runtimes.js';
import { parseEventIds, parseSessionPlaintext } from './mcp-session.js';
import { resolveSessionBackends } from './mcp-session-backends.js';
import type { McpSessionCrypto } from './mcp-session-crypto.js';
import { spanRequest } from '../telemetry/mcp-span-request.js';
import { StreamRegistry } from './mcp-stream-registry.js';
import { suggestNames, type TargetKind, unknownTargetError } from './mcp-unknown-target.js';

export interface McpProxyOptions {
  config: McpConfig;
  /**
   * The security of a route (OPEN_ROUTE for routes without one). Asked once per route at start,
   * and on reload for the routes whose auth-relevant fields changed.
   */
  authFor: (route: McpRouteConfig) => McpRouteAuth;
  metrics: McpMetrics;
  logger: Logger;
  /** This proxy's alone: it dates the session ids it makes with the proxy's epochs. */
  crypto: McpSessionCrypto;
  settings: McpProxySettings;
  /** `serverInfo.version` in initialize results. */
  serverVersion: string;
  /**
   * The access-log header mappings (OTEL_AIGW_LOG_REQUEST_HEADER_ATTRIBUTES): the one for
   * `session.id` (agent-session-id by default) is read from the header or `params._meta`.
   */
  logHeaders?: readonly HeaderAttribute[];
  /** Spans for POSTed messages; absent when tracing is off (see createMcpTracing). */
  tracing?: McpTracing;
}

/**
 * The MCP gateway behind Envoy: one Streamable HTTP endpoint per MCPRoute (chosen by the
 * `x-ai-eg-mcp-route` header Envoy sets), aggregating the route's backend servers. Stateless:
 * everything a request needs is in the encrypted session id, so any process with the same seed
 * can serve any request. The one exception is `notifications/cancelled`, which is forwarded only
 * when this process is the one forwarding the cancelled request (upstream forwards none).
 *
 * Order per request: route header (missing → 500, unknown → 404), the route's well-known answers,
 * authentication (its 401 passes through), then POST / GET / DELETE (others → 405).
 *
 * Reload (`reload`): new requests get the new routes; a request under way keeps the route it
 * started with to its end, and the connections it uses stay open until it is done. Each reload
 * that changes something starts an epoch; session ids are dated with the epoch they were made in
 * (McpSessionCrypto.epochOf), so a session made before a backend was added or changed joins that
 * backend on its next request (resolveSessionBackends) and keeps the backend sessions that did
 * not change.
 */
export class McpProxy {
  private routes: Map<string, RouteRuntime>;
  private epoch = 0;
  private readonly authFor: McpProxyOptions['authFor'];
  private readonly runtime: ProxyRuntime;
  private readonly open = new Set<AbortController>();
  private readonly closing = new AbortController();
  /** Where the client's own session id comes from (header, or `_meta` field of that name). */
  private readonly agentSessionHeader: string | undefined;

  constructor(options: McpProxyOptions) {
    this.runtime = {
      crypto: options.crypto,
      metrics: options.metrics,
      logger: options.logger,
      settings: options.settings,
      serverVersion: options.serverVersion,
      inFlight: new Map(),
      ...(options.tracing ? { tracing: options.tracing } : {}),
      streams: new StreamRegistry(),
      joins: new BackendJoins(),
      closing: this.closing.signal,
    };
    this.authFor = options.authFor;
    this.agentSessionHeader = options.logHeaders?.find((mapping) => mapping.attribute === AGENT_SESSION_ATTRIBUTE)?.header;
    this.routes = buildRouteRuntimes(options.config, new Map(), { authFor: options.authFor, logger: options.logger, epoch: this.epoch }).routes;
  }

  /** The node:http request listener. */
  readonly handle = (request: http.IncomingMessage, response: http.ServerResponse): void => {
    void this.serve(request, response);
  };

  /**
   * Serves `config` from now on (see the class comment), and tells the clients with an open GET
   * stream on a changed route (list_changed notifications). Synchronous: no request sees half a
   * reload. Throws what authFor throws for a new or changed route (CEL that does not compile, a
   * JWKS that does not load), and then nothing changed.
   */
  reload(config: McpConfig): McpReloadSummary {
    if (this.closing.signal.aborted) throw new AigwError('MCP', 'the MCP proxy is closed');
    const epoch = this.epoch + 1;
    const { routes, summary, retired } = buildRouteRuntimes(config, this.routes, { authFor: this.authFor, logger: this.runtime.logger, epoch });
    if (!mcpReloadChanged(summary)) return summary;
    this.routes = routes;
    this.epoch = epoch;
    for (const client of retired) client.closeWhenIdle();
    for (const name of summary.routesRemoved) for (const stream of this.runtime.streams.of(name)) stream.end();
    for (const change of summary.routesChanged) {
      const next = routes.get(change.route);
      if (!next || change.notifications.length === 0) continue;
      const streams = this.runtime.streams.of(change.route);
      for (const stream of streams) stream.retarget(next, change.notifications, () => this.routes.get(change.route) === next);
      change.streamsNotified = streams.length;
    }
    return summary;
  }

  /** Ends open streams and closes backend connections. */
  close(): void {
    this.closing.abort();
    for (const controller of this.open) controller.abort();
    for (const route of this.routes.values()) for (const backend of route.backends.values()) backend.client.close();
  }

  private async serve(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const controller = new AbortController();
    // One signal is shared by every backend call of the request (a fan-out makes one per backend).
    setMaxListeners(0, controller.signal);
    this.open.add(controller);
    // 'close' fires when the client goes away or once the response is done: either way, backend calls stop.
    response.on('close', () => controller.abort());
    let exchange: Exchange | undefined;
    try {
      const routeName = header(request, MCP_ROUTE_HEADER);
      if (!routeName) throw new McpProxyError(500, 'missing route header', 'internal_error');
      const route = this.routes.get(routeName);
      if (!route) throw new McpProxyError(404, `unknown MCP route ${routeName}`, 'internal_error');
      const httpRequest = toHttpRequest(request);
      const wellKnown = await route.auth.wellKnown(httpRequest);
      if (wellKnown) return sendAnswer(response, wellKnown);
      const authenticated = await route.auth.authenticate(httpRequest);
      if ('answer' in authenticated) return sendAnswer(response, authenticated.answer);
      const clientVersion = header(request, 'mcp-protocol-version');
      exchange = {
        runtime: this.runtime,
        route,
        identity: authenticated.identity,
        httpRequest,
        response,
        signal: controller.signal,
        protocolVersion: PROTOCOL_VERSIONS.find((version) => version === clientVersion) ?? LATEST_PROTOCOL_VERSION,
        metadata: {},
        epoch: this.epoch,
      };
      const agentSession = this.agentSessionHeader === undefined ? undefined : httpRequest.headers[this.agentSessionHeader];
      if (agentSession) exchange.metadata.agentSession = agentSession;
      switch (request.method) {
        case 'POST':
          return await this.post(exchange, request);
        case 'GET':
          return await this.get(exchange, request);
        case 'DELETE':
          return await this.delete(exchange, request);
        default:
          response.setHeader('allow', 'GET, POST, DELETE');
          throw new McpProxyError(405, 'method not allowed', 'internal_error');
      }
    } catch (error) {
      this.fail(response, exchange, error);
    } finally {
      this.open.delete(controller);
    }
  }

  private fail(response: http.ServerResponse, exchange: Exchange | undefined, error: unknown): void {
    const proxyError = error instanceof McpProxyError ? error : undefined;
    // The client left (or the proxy is closing): the backend call was aborted on purpose.
    if (exchange?.signal.aborted) this.runtime.logger.debug('MCP request ended by the client', { error: error instanceof Error ? error.message : String(error) });
    else if (!proxyError) this.runtime.logger.error('MCP proxy request failed', { error: error instanceof Error ? error.message : String(error) });
    else if (proxyError.status >= 500) this.runtime.logger.warn('MCP proxy request failed', { status: proxyError.status, error: proxyError.message });
    if (response.headersSent) {
      // A stream already started: all that is left is to end it.
      if (!response.writableEnded) response.end();
      return;
    }
    if (proxyError?.answer) return sendAnswer(response, proxyError.answer, exchange);
    if (exchange && proxyError?.jsonRpc) return sendJson(exchange, 200, { jsonrpc: '2.0', id: proxyError.jsonRpc.id, error: { code: proxyError.jsonRpc.code, message: proxyError.message } });
    const status = proxyError?.status ?? 500;
    const body = proxyError ? proxyError.message : `internal error: ${error instanceof Error ? error.message : String(error)}`;
    if (exchange) setMetadataHeaders(response, exchange.metadata);
    if (exchange?.session) response.setHeader('mcp-session-id', exchange.session.token);
    response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': String(Buffer.byteLength(body)) });
    response.end(body);
  }

  private async post(exchange: Exchange, request: http.IncomingMessage): Promise<void> {
    const started = performance.now();
    let outcome: Outcome = SUCCESS;
    let method = '';
    try {
      await this.loadSession(exchange, request);
      const body = await readBody(request, this.runtime.settings.maxRequestBodyBytes);
      const parsed = parseJsonRpcMessage(body);
      if ('problem' in parsed) throw new McpProxyError(400, `invalid JSON-RPC message: ${parsed.problem}`, 'invalid_json_rpc');
      const message = parsed.message;
      method = message.kind === 'response' ? '' : message.method;
      // Answers to server requests are not traced: they belong to the span of the request that asked.
      if (message.kind !== 'response' && this.runtime.tracing) exchange.trace = this.runtime.tracing.start(spanRequest(exchange, message), exchange.httpRequest.headers);
      if (!GATEWAY_ANSWERED.has(message.kind === 'response' ? '' : message.method)) await useCurrentBackends(exchange, 'join');
      outcome = await this.dispatch(exchange, message);
    } catch (error) {
      outcome = {
        status: 'error',
        errorType: error instanceof McpProxyError ? error.errorType : 'internal_error',
        ...(error instanceof McpProxyError && error.jsonRpc ? { jsonRpcErrorCode: error.jsonRpc.code } : {}),
        message: error instanceof Error ? error.message : String(error),
      };
      throw error;
    } finally {
      if (exchange.trace) {
        exchange.trace.clientSession(exchange.session?.token ?? '');
        exchange.trace.end(outcome);
      }
      this.runtime.metrics.recordRequest({
        method,
        status: outcome.status,
        ...(outcome.errorType ? { errorType: outcome.errorType } : {}),
        ...(outcome.jsonRpcErrorCode !== undefined ? { jsonRpcErrorCode: outcome.jsonRpcErrorCode } : {}),
        ...(exchange.metadata.backend ? { backend: exchange.metadata.backend } : {}),
        ...(exchange.metadata.tool ? { tool: exchange.metadata.tool } : {}),
        protocolVersion: exchange.protocolVersion,
        durationSeconds: (performance.now() - started) / 1000,
      });
    }
  }

  private async dispatch(exchange: Exchange, message: JsonRpcMessage): Promise<Outcome> {
    if (message.kind === 'response') {
      const id = message.id;
      if (id !== null) exchange.metadata.requestId = String(id);
      // Answers to the gateway's own requests (heartbeat pings) stop here.
      if (typeof id === 'string' && (id.startsWith(GATEWAY_PING_ID_PREFIX) || id.startsWith(GATEWAY_TOOLS_CHANGED_ID_PREFIX))) {
        sendAccepted(exchange);
        return SUCCESS;
      }
      requireSession(exchange);
      if (typeof id !== 'string') throw new McpProxyError(400, `invalid response ID type: ${String(id)}`, 'invalid_param');
      const routed = decodeRoutedId(id);
      if (!routed) throw new McpProxyError(400, `invalid response ID format: ${id}`, 'invalid_param');
      const backend = this.backend(exchange, routed.backend);
      return forwardToBackend(exchange, { ...message, id: routed.id }, backend, 400);
    }
    exchange.metadata.method = message.method;
    if (message.kind === 'request') exchange.metadata.requestId = String(message.id);
    // The message's own _meta is more specific than the connection's header.
    const agentSession = this.agentSessionHeader === undefined ? undefined : metaValue(message.params?._meta, this.agentSessionHeader);
    if (agentSession) exchange.metadata.agentSession = agentSession;
    // Every method but initialize needs a session (MCP transport spec: 400 without one).
    if (message.method !== 'initialize') requireSession(exchange);
    return message.kind === 'notification' ? this.notification(exchange, message) : this.request(exchange, message);
  }

  private async request(exchange: Exchange, request: JsonRpcRequest): Promise<Outcome> {
    const params = request.params ?? {};
    switch (request.method) {
      case 'initialize':
        await handleInitialize(exchange, request);
        return SUCCESS;
      case 'ping':
        sendJson(exchange, 200, { jsonrpc: '2.0', id: request.id, result: {} });
        return SUCCESS;
      case 'tools/call': {
        const fullName = stringParam(params.name, 'name');
        const split = splitPrefixedName(fullName);
        const servers = sessionServers(exchange);
        const backend = split && servers.includes(split.backend) ? exchange.route.backends.get(split.backend) : undefined;
        if (!split || !backend) throw await unknownTool(exchange, request, fullName, split ? `no server ${JSON.stringify(split.backend)} in this session` : undefined);
        exchange.metadata.backend = split.backend;
        exchange.metadata.tool = split.name;
        if (!backend.selector(split.name)) throw await unknownTool(exchange, request, fullName, `${split.backend} exposes no tool ${JSON.stringify(split.name)}`);
        const forwarded = { ...params, name: split.name };
        const decision = exchange.route.auth.authorize(exchange.identity, exchange.httpRequest, { method: 'tools/call', backend: split.backend, tool: split.name, params: forwarded });
        if (!decision.allowed) throw new McpProxyError(decision.answer.status, 'access denied', 'internal_error', decision.answer);
        return forwardRequest(exchange, request, backend, forwarded);
      }
      case 'prompts/get': {
        const fullName = stringParam(params.name, 'name');
        const { backend, split } = this.target(exchange, request, 'prompt', fullName, splitPrefixedName(fullName));
        return forwardRequest(exchange, request, backend, { ...params, name: split.name });
      }
      case 'resources/read':
      case 'resources/subscribe':
      case 'resources/unsubscribe': {
        const fullUri = stringParam(params.uri, 'uri');
        const { backend, split } = this.target(exchange, request, 'resource', fullUri, splitNamespacedUri(fullUri));
        exchange.metadata.resourceUri = split.uri;
        return forwardRequest(exchange, request, backend, { ...params, uri: split.uri });
      }
      case 'completion/complete':
        return this.complete(exchange, request, params);
      default:
        if (isFanOutMethod(request.method)) return handleFanOut(exchange, request, request.method);
        throw new McpProxyError(400, `unsupported method: ${request.method}`, 'unsupported_method');
    }
  }

  /** completion/complete goes to the backend named by its prompt or resource-template reference. */
  private complete(exchange: Exchange, request: JsonRpcRequest, params: NonNullable<JsonRpcRequest['params']>): Promise<Outcome> {
    const ref = params.ref;
    if (isRecord(ref)) {
      if (ref.type === 'ref/prompt' && typeof ref.name === 'string') {
        const { backend, split } = this.target(exchange, request, 'prompt', ref.name, splitPrefixedName(ref.name));
        return forwardRequest(exchange, request, backend, { ...params, ref: { ...ref, name: split.name } });
      }
      if (ref.type === 'ref/resource' && typeof ref.uri === 'string') {
        const { backend, split } = this.target(exchange, request, 'resource', ref.uri, splitNamespacedUri(ref.uri));
        exchange.metadata.resourceUri = split.uri;
        return forwardRequest(exchange, request, backend, { ...params, ref: { ...ref, uri: split.uri } });
      }
    }
    throw new McpProxyError(400, 'invalid params', 'invalid_param');
  }

  private async notification(exchange: Exchange, notification: JsonRpcNotification): Promise<Outcome> {
    const session = requireSession(exchange);
    switch (notification.method) {
      case 'notifications/initialized':
        // Each backend was sent its own at initialize.
        sendAccepted(exchange);
        return SUCCESS;
      case 'notifications/cancelled': {
        // Forwarded to the backends serving the request when this process forwards it; otherwise
        // dropped, which the MCP cancellation spec allows (the request just runs to its end).
        const key = inFlightKey(exchange, notification.params?.requestId);
        const backends = key ? this.runtime.inFlight.get(key) : undefined;
        if (backends) await notifyBackends(exchange, notification, backends);
        sendAccepted(exchange);
        return SUCCESS;
      }
      case 'notifications/roots/list_changed':
        await notifyBackends(exchange, notification, session.backends.map((entry) => entry.backend));
        sendAccepted(exchange);
        return SUCCESS;
      case 'notifications/progress': {
        // Progress about a server request: its token was routed like the request's id.
        this.runtime.metrics.recordProgress();
        const token = notification.params?.progressToken;
        const routed = typeof token === 'string' ? decodeRoutedId(token) : undefined;
        if (!routed) throw new McpProxyError(400, `invalid progressToken ${String(token)}`, 'invalid_param');
        const backend = this.backend(exchange, routed.backend);
        return forwardToBackend(exchange, { ...notification, params: { ...notification.params, progressToken: routed.id } }, backend, 400);
      }
      default:
        throw new McpProxyError(400, `unsupported method: ${notification.method}`, 'unsupported_method');
    }
  }

  private async get(exchange: Exchange, request: http.IncomingMessage): Promise<void> {
    await this.loadSession(exchange, request);
    if (!exchange.session) throw new McpProxyError(400, 'missing session ID', 'invalid_session_id');
    await useCurrentBackends(exchange, 'join');
    let lastEventIds = new Map<string, string>();
    const lastEventId = header(request, 'last-event-id');
    if (lastEventId) {
      const plaintext = await this.runtime.crypto.decrypt(lastEventId);
      // An id we cannot read only costs the resumption, not the stream.
      if (plaintext !== undefined) lastEventIds = parseEventIds(plaintext);
    }
    await streamNotifications(exchange, lastEventIds);
  }

  private async delete(exchange: Exchange, request: http.IncomingMessage): Promise<void> {
    await this.loadSession(exchange, request);
    if (!exchange.session) throw new McpProxyError(400, 'missing session ID', 'invalid_session_id');
    await useCurrentBackends(exchange, 'joined-only');
    const { session, token } = exchange.session;
    this.runtime.joins.forget(token);
    await Promise.all(
      session.backends.map(async (entry) => {
        const backend = exchange.route.backends.get(entry.backend);
        // Stateless backends have nothing to end.
        if (!backend || !entry.sessionId) return;
        try {
          const response = await backend.client.request({
            method: 'DELETE',
            sessionId: entry.sessionId,
            protocolVersion: exchange.protocolVersion,
            forwardedHeaders: forwardedHeaders(exchange, backend.config),
            signal: exchange.signal,
          });
          // 404 and 405: servers that forgot the session already or do not let clients end it.
          if ((response.status < 200 || response.status >= 300) && response.status !== 404 && response.status !== 405) {
            this.runtime.logger.warn('MCP backend refused to end its session', { backend: entry.backend, status: response.status, body: await bodySnippet(response.body) });
          } else {
            discard(response.body);
          }
        } catch (error) {
          this.runtime.logger.warn('MCP backend session not ended', { backend: entry.backend, reason: error instanceof Error ? error.message : String(error) });
        }
      }),
    );
    writeHead(exchange, 200, { 'content-length': '0' });
    exchange.response.end();
  }

  /**
   * Reads the session from `mcp-session-id`, when present: it must decrypt, and belong to this
   * route and caller. Its backends are the ones the id holds until useCurrentBackends.
   */
  private async loadSession(exchange: Exchange, request: http.IncomingMessage): Promise<void> {
    const token = header(request, 'mcp-session-id');
    if (!token) return;
    const plaintext = await this.runtime.crypto.decrypt(token);
    const session = plaintext === undefined ? undefined : parseSessionPlaintext(plaintext);
    if (!session) throw new McpProxyError(400, 'invalid session ID: failed to decrypt session ID', 'invalid_session_id');
    if (session.route !== exchange.route.config.name) throw new McpProxyError(400, 'invalid session ID: the session belongs to another route', 'invalid_session_id');
    // Upstream stores the subject but never checks it; checking it keeps a leaked id from being used by someone else.
    if (session.subject !== (exchange.identity.subject ?? '')) throw new McpProxyError(400, 'invalid session ID: the session belongs to another subject', 'invalid_session_id');
    exchange.session = { session, token, stored: session, epoch: this.runtime.crypto.epochOf(token) };
    exchange.metadata.session = token;
  }

  /**
   * The backend of a routed id or progress token (ids the gateway made). Unknown: 400, not 404,
   * which Streamable HTTP clients read as "session expired".
   */
  private backend(exchange: Exchange, name: string): BackendRuntime {
    const backend = exchange.route.backends.get(name);
    if (!backend) throw new McpProxyError(400, `unknown backend ${name}`, 'invalid_param');
    exchange.metadata.backend = name;
    return backend;
  }

  /**
   * The session's backend a prefixed name or namespaced URI designates. A name without a prefix,
   * or with a server the session does not have, is a JSON-RPC invalid-params error naming the
   * session's servers (upstream answers 404, which clients take for an expired session).
   */
  private target<T extends { backend: string }>(exchange: Exchange, request: JsonRpcRequest, kind: TargetKind, fullName: string, split: T | undefined): { backend: BackendRuntime; split: T } {
    const servers = sessionServers(exchange);
    if (!split) throw unknownTargetError(request.id, kind, fullName, servers);
    const backend = exchange.route.backends.get(split.backend);
    if (!backend || !servers.includes(split.backend)) throw unknownTargetError(request.id, kind, fullName, servers, `no server ${JSON.stringify(split.backend)} in this session`);
    exchange.metadata.backend = split.backend;
    return { backend, split };
  }
}

/** How long an unknown tool's error may wait for the session's tool lists, for its hint. */
const TOOL_HINT_TIMEOUT_MS = 2000;

/**
 * The error for a tool the session cannot route, with the names the client most likely meant
 * (`everything__echo` for `echo`): the models that call tools often drop the prefix or misspell a
 * name, and the exact name lets them correct themselves in one step. The names come from the
 * session's own tool lists (what the client may call), asked for only on this error path.
 */
async function unknownTool(exchange: Exchange, request: JsonRpcRequest, fullName: string, reason: string | undefined): Promise<McpProxyError> {
  const names = await sessionToolNames(exchange, TOOL_HINT_TIMEOUT_MS);
  return unknownTargetError(request.id, 'tool', fullName, sessionServers(exchange), reason, suggestNames(fullName, names));
}

/**
 * Messages the gateway answers without a backend, so without joining any (see
 * useCurrentBackends): `initialize` makes a session of its own, and a backend joins a session at
 * the first message that may need it, not at the client's `initialized` or keep-alive `ping`.
 */
const GATEWAY_ANSWERED: ReadonlySet<string> = new Set(['initialize', 'notifications/initialized', 'ping']);

/** Gives the exchange's session the backends it has on the route now (see resolveSessionBackends). */
async function useCurrentBackends(exchange: Exchange, mode: 'join' | 'joined-only'): Promise<void> {
  const current = exchange.session;
  if (!current) return;
  current.session = { ...current.stored, backends: await resolveSessionBackends(exchange, mode) };
}

/** The servers of the exchange's session that the route still has. */
function sessionServers(exchange: Exchange): string[] {
  return (exchange.session?.session.backends ?? []).map((entry) => entry.backend).filter((name) => exchange.route.backends.has(name));
}

/** The access-log attribute of the client's session (the LLM requests' `session.id`). */
const AGENT_SESSION_ATTRIBUTE = 'session.id';

function requireSession(exchange: Exchange): NonNullable<Exchange['session']>['session'] {
  if (!exchange.session) throw new McpProxyError(400, 'missing session ID', 'invalid_session_id');
  return exchange.session.session;
}

function stringParam(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new McpProxyError(400, `invalid params: ${name} must be a string`, 'invalid_param');
  return value;
}

function header(request: http.IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function toHttpRequest(request: http.IncomingMessage): McpHttpRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    const first = Array.isArray(value) ? value[0] : value;
    if (first !== undefined) headers[name] = first;
  }
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  return { method: request.method ?? 'GET', host: headers.host ?? headers[':authority'] ?? '', path: query === -1 ? url : url.slice(0, query), headers };
}

function sendAnswer(response: http.ServerResponse, answer: McpHttpAnswer, exchange?: Exchange): void {
  if (exchange) setMetadataHeaders(response, exchange.metadata);
  if (exchange?.session) response.setHeader('mcp-session-id', exchange.session.token);
  response.writeHead(answer.status, { ...answer.headers, 'content-length': String(Buffer.byteLength(answer.body)) });
  response.end(answer.body);
}

async function readBody(request: http.IncomingMessage, limit: number): Promise<string> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw new McpProxyError(413, 'request body too large', 'internal_error');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > limit) throw new McpProxyError(413, 'request body too large', 'internal_error');
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
