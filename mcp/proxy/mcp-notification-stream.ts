import { randomUUID } from 'node:crypto';
import { bodySnippet, discard, readMessages } from './mcp-backend-client.js';
import { type BackendRuntime, type Exchange, forwardedHeaders, type RouteRuntime, writeHead } from './mcp-exchange.js';
import { type JsonRpcMessage, serialize } from './mcp-jsonrpc.js';
import { rewriteServerMessage } from './mcp-rewrites.js';
import { resolveSessionBackends } from './mcp-session-backends.js';
import { type McpBackendSession, formatEventIds } from './mcp-session.js';
import { formatSseEvent } from './mcp-sse.js';
import type { OpenStream } from './mcp-stream-registry.js';

/** Id prefix of the gateway's own `ping` requests; the client's answers to them are dropped. */
export const GATEWAY_PING_ID_PREFIX = 'aigw-server-to-client-ping';
/** Id prefix of upstream's gateway-made list_changed messages (answers dropped as well). */
export const GATEWAY_TOOLS_CHANGED_ID_PREFIX = 'aigw-server-to-client-tools-changed';

/**
 * The GET stream: every backend's own GET stream merged into one (status 202 and
 * `text/event-stream`, as upstream), with server requests given routed ids. The gateway sends a
 * `ping` at once (some clients wait for a first event) and then whenever the stream has been
 * quiet for the heartbeat interval, which also keeps idle connections from timing out.
 * Backends answering 405, 202 or 204 have no stream and are skipped; a backend stream that ends
 * is not reopened, and the client stream stays open (heartbeats go on) until the client leaves.
 *
 * The stream is registered by route while open: a reload that changes the route sends its
 * list_changed notifications here and moves the relays to the route's new backends (retarget).
 */
export async function streamNotifications(exchange: Exchange, lastEventIds: ReadonlyMap<string, string>): Promise<void> {
  const session = exchange.session;
  if (!session) return;
  writeHead(exchange, 202, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const stream = new NotificationStream(exchange);
  const unregister = exchange.runtime.streams.add(exchange.route.config.name, stream);
  try {
    // Only the session's own entries resume: a backend joined after a reload is a new backend
    // session, which the client's last event id (from before) means nothing to. Kept entries are
    // the stored session's own objects (see planSessionBackends).
    const resumeFrom = new Map<string, string>();
    for (const entry of session.session.backends) {
      const id = lastEventIds.get(entry.backend);
      if (id !== undefined && session.stored.backends.includes(entry)) resumeFrom.set(entry.backend, id);
    }
    await stream.run(session.session.backends, resumeFrom);
  } finally {
    unregister();
  }
}

/** One backend's stream being relayed. */
interface Relay {
  entry: McpBackendSession;
  backend: BackendRuntime;
  /** Stops this relay alone (a reload removed or changed its backend). */
  controller: AbortController;
}

class NotificationStream implements OpenStream {
  /** By backend name; a relay whose backend has no stream stays here, so it is not asked again. */
  private readonly relays = new Map<string, Relay>();
  private readonly running = new Set<Promise<void>>();
  /** Ids of the last event seen per backend: every event id the client gets names them all. */
  private readonly ids = new Map<string, string>();
  private readonly heartbeat: NodeJS.Timeout | undefined;

  constructor(readonly exchange: Exchange) {
    const interval = exchange.runtime.settings.heartbeatIntervalMs;
    // Every write re-arms the timer: the ping goes out only after a quiet interval.
    this.heartbeat = interval > 0 ? setTimeout(() => this.ping(), interval) : undefined;
  }

  /** Relays the backends' streams until the client leaves (or the stream is ended). */
  async run(backends: readonly McpBackendSession[], lastEventIds: ReadonlyMap<string, string>): Promise<void> {
    const { exchange } = this;
    this.ping();
    for (const [backend, id] of lastEventIds) this.ids.set(backend, id);
    for (const entry of backends) {
      const backend = exchange.route.backends.get(entry.backend);
      if (backend) this.startRelay(entry, backend);
    }
    const closed = new Promise<void>((resolve) => {
      if (exchange.signal.aborted) resolve();
      else exchange.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    try {
      await closed;
    } finally {
      if (this.heartbeat) clearTimeout(this.heartbeat);
      await Promise.allSettled([...this.running]);
      if (!exchange.response.writableEnded) exchange.response.end();
    }
  }

  retarget(next: RouteRuntime, notifications: readonly string[], isCurrent: () => boolean): void {
    if (this.exchange.signal.aborted) return;
    // At once, before the client hears of the change: a backend gone or connected differently
    // must not go on relaying into this session.
    for (const [name, relay] of [...this.relays]) {
      if (next.backends.get(name)?.client !== relay.backend.client) this.stopRelay(name);
    }
    for (const method of notifications) this.send({ kind: 'notification', method });
    void this.rejoin(next, isCurrent);
  }

  end(): void {
    for (const name of [...this.relays.keys()]) this.stopRelay(name);
    if (!this.exchange.response.writableEnded) this.exchange.response.end();
  }

  /** Relays what the session uses on `next`: the joins it makes there, less what `next` refuses. */
  private async rejoin(next: RouteRuntime, isCurrent: () => boolean): Promise<void> {
    const { exchange } = this;
    let entries: McpBackendSession[];
    try {
      entries = await resolveSessionBackends({ ...exchange, route: next }, 'join');
    } catch (error) {
      exchange.runtime.logger.warn('MCP notification stream not moved to the reloaded route', { route: next.config.name, reason: error instanceof Error ? error.message : String(error) });
      return;
    }
    if (exchange.signal.aborted || !isCurrent()) return;
    const names = new Set(entries.map((entry) => entry.backend));
    for (const name of [...this.relays.keys()]) if (!names.has(name)) this.stopRelay(name);
    for (const entry of entries) {
      const relay = this.relays.get(entry.backend);
      if (relay?.entry.sessionId === entry.sessionId) continue;
      if (relay) this.stopRelay(entry.backend);
      const backend = next.backends.get(entry.backend);
      if (backend) this.startRelay(entry, backend);
    }
  }

  private startRelay(entry: McpBackendSession, backend: BackendRuntime): void {
    if (this.exchange.signal.aborted) return;
    const controller = new AbortController();
    this.relays.set(entry.backend, { entry, backend, controller });
    const signal = AbortSignal.any([this.exchange.signal, controller.signal]);
    const running = relay(this.exchange, entry, backend, signal, this.ids, (text) => this.write(text)).finally(() => this.running.delete(running));
    this.running.add(running);
  }

  private stopRelay(name: string): void {
    this.relays.get(name)?.controller.abort();
    this.relays.delete(name);
    // Its last event id belongs to a backend session this stream no longer has.
    this.ids.delete(name);
  }

  private send(message: JsonRpcMessage): void {
    this.write(formatSseEvent(serialize(message)));
  }

  private ping(): void {
    this.send({ kind: 'request', id: `${GATEWAY_PING_ID_PREFIX}-${randomUUID()}`, method: 'ping' });
  }

  private write(text: string): void {
    const { response } = this.exchange;
    if (!response.writableEnded && !response.destroyed) response.write(text);
    this.heartbeat?.refresh();
  }
}

async function relay(exchange: Exchange, entry: McpBackendSession, backend: BackendRuntime, signal: AbortSignal, ids: Map<string, string>, write: (text: string) => void): Promise<void> {
  const { runtime } = exchange;
  const name = entry.backend;
  try {
    const lastEventId = ids.get(name);
    const response = await backend.client.request({
      method: 'GET',
      sessionId: entry.sessionId,
      protocolVersion: exchange.protocolVersion,
      forwardedHeaders: forwardedHeaders(exchange, backend.config),
      signal,
      ...(lastEventId ? { lastEventId } : {}),
    });
    if (response.status === 405 || response.status === 202 || response.status === 204) {
      discard(response.body);
      return;
    }
    if (response.status !== 200) {
      runtime.logger.warn('MCP backend refused its notification stream', { backend: name, status: response.status, body: await bodySnippet(response.body) });
      return;
    }
    for await (const { message, eventId } of readMessages(response)) {
      // A relay stopped by a reload writes nothing more, not even an event already read or being encrypted.
      if (signal.aborted) return;
      if (message.kind === 'notification' && message.method === 'notifications/progress') runtime.metrics.recordProgress();
      if (eventId !== undefined) ids.set(name, eventId);
      const id = eventId === undefined ? undefined : await runtime.crypto.encrypt(formatEventIds(ids));
      if (signal.aborted) return;
      write(formatSseEvent(serialize(rewriteServerMessage(message, name)), id));
    }
    runtime.logger.debug('MCP backend notification stream ended', { backend: name });
  } catch (error) {
    if (!signal.aborted) runtime.logger.warn('MCP backend notification stream failed', { backend: name, reason: error instanceof Error ? error.message : String(error) });
  }
}
