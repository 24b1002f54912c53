import { randomUUID } from 'node:crypto';
import { bodySnippet, discard, readMessages } from './mcp-backend-client.js';
import { type Exchange, forwardedHeaders, writeHead } from './mcp-exchange.js';
import { serialize } from './mcp-jsonrpc.js';
import { rewriteServerMessage } from './mcp-rewrites.js';
import { type McpBackendSession, formatEventIds } from './mcp-session.js';
import { formatSseEvent } from './mcp-sse.js';

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
 */
export async function streamNotifications(exchange: Exchange, lastEventIds: ReadonlyMap<string, string>): Promise<void> {
  const { runtime, response, signal } = exchange;
  const session = exchange.session?.session;
  if (!session) return;
  writeHead(exchange, 202, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const write = (text: string): void => {
    if (!response.writableEnded && !response.destroyed) response.write(text);
    heartbeat?.refresh();
  };
  const ping = (): void => write(formatSseEvent(serialize({ kind: 'request', id: `${GATEWAY_PING_ID_PREFIX}-${randomUUID()}`, method: 'ping' })));
  const interval = runtime.settings.heartbeatIntervalMs;
  // Every write re-arms the timer: the ping goes out only after a quiet interval.
  const heartbeat = interval > 0 ? setTimeout(ping, interval) : undefined;
  ping();

  // Ids of the last event seen per backend: every event id the client gets names them all.
  const ids = new Map<string, string>();
  for (const entry of session.backends) {
    const id = lastEventIds.get(entry.backend);
    if (id !== undefined) ids.set(entry.backend, id);
  }
  const relays = session.backends.map((entry) => relay(exchange, entry, ids, write));
  const closed = new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
  try {
    await closed;
  } finally {
    if (heartbeat) clearTimeout(heartbeat);
    await Promise.allSettled(relays);
    if (!response.writableEnded) response.end();
  }
}

async function relay(exchange: Exchange, entry: McpBackendSession, ids: Map<string, string>, write: (text: string) => void): Promise<void> {
  const { runtime, signal } = exchange;
  const backend = exchange.route.backends.get(entry.backend);
  if (!backend) return;
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
      if (message.kind === 'notification' && message.method === 'notifications/progress') runtime.metrics.recordProgress();
      if (eventId !== undefined) ids.set(name, eventId);
      const id = eventId === undefined ? undefined : await runtime.crypto.encrypt(formatEventIds(ids));
      write(formatSseEvent(serialize(rewriteServerMessage(message, name)), id));
    }
    runtime.logger.debug('MCP backend notification stream ended', { backend: name });
  } catch (error) {
    if (!signal.aborted) runtime.logger.warn('MCP backend notification stream failed', { backend: name, reason: error instanceof Error ? error.message : String(error) });
  }
}
