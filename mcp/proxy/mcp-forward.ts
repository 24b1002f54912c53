import { isRecord, type JsonRecord } from '../../common/json-guards.js';
import { type BackendResponse, bodySnippet, discard, readMessages } from './mcp-backend-client.js';
import { type BackendRuntime, backendSession, type Exchange, forwardedHeaders, McpProxyError, type Outcome, sendAccepted, sendJson, SUCCESS, writeHead } from './mcp-exchange.js';
import type { JsonRpcMessage, JsonRpcNotification, JsonRpcRequest, JsonRpcResponse } from './mcp-jsonrpc.js';
import { serialize, toWire } from './mcp-jsonrpc.js';
import { namespaceResult, rewriteServerMessage } from './mcp-rewrites.js';
import { withTraceMeta } from '../telemetry/mcp-trace-meta.js';
import { formatEventIds, type McpBackendSession } from './mcp-session.js';
import { formatSseEvent } from './mcp-sse.js';

/**
 * Forwards a request to the one backend it names (params already un-prefixed) and relays the
 * answer in the form the backend chose: one JSON document, or an SSE stream whose other
 * messages (progress, logging, server requests with routed ids) are relayed as they come. The
 * client's request id is kept, so the response needs no id mapping; URIs in the result are
 * namespaced. Event ids are encrypted `{backend}:{base64(id)}` so a reconnect can resume.
 */
export async function forwardRequest(exchange: Exchange, request: JsonRpcRequest, backend: BackendRuntime, params: JsonRecord): Promise<Outcome> {
  const name = backend.config.name;
  const entry = requireBackendSession(exchange, name, 403);
  const { runtime } = exchange;
  const key = inFlightKey(exchange, request.id);
  if (key) runtime.inFlight.set(key, [name]);
  exchange.trace?.routeToBackend({ backend: name, url: backend.config.url, sessionId: entry.sessionId, isNew: false, exclusive: true });
  try {
    const response = await post(exchange, backend, entry, { ...request, params });
    const outcome: Outcome = { status: 'success' };
    const finish = (message: JsonRpcResponse): JsonRpcResponse => {
      if (message.error) {
        outcome.status = 'error';
        outcome.errorType = errorTypeOf(message.error.code);
        outcome.jsonRpcErrorCode = message.error.code;
        outcome.message = message.error.message;
        return { ...message, id: request.id };
      }
      if (request.method === 'tools/call' && isRecord(message.result) && message.result.isError === true) {
        outcome.status = 'failed';
        outcome.message = `tool ${String(params.name)} of ${name} returned isError=true`;
      }
      const result = namespaceResult(request.method, message.result, name);
      if (request.method === 'tools/call') exchange.trace?.toolCallResult(result);
      return { ...message, id: request.id, result };
    };
    if (response.contentType !== 'text/event-stream') {
      for await (const { message } of readMessages(response)) {
        if (message.kind === 'response' && message.id === request.id) {
          sendJson(exchange, 200, toWire(finish(message)));
          return outcome;
        }
      }
      throw new McpProxyError(500, `call to ${name} returned no response`, 'internal_error');
    }
    writeHead(exchange, 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let answered = false;
    for await (const { message, eventId } of readMessages(response)) {
      const relayed = message.kind === 'response' && message.id === request.id ? finish(message) : rewriteServerMessage(message, name);
      if (relayed.kind === 'response') answered = true;
      if (message.kind === 'notification' && message.method === 'notifications/progress') runtime.metrics.recordProgress();
      const id = eventId === undefined ? undefined : await runtime.crypto.encrypt(formatEventIds(new Map([[name, eventId]])));
      if (!exchange.response.writableEnded) exchange.response.write(formatSseEvent(serialize(relayed), id));
    }
    exchange.response.end();
    if (!answered) {
      runtime.logger.warn('MCP backend stream ended without a response', { backend: name, method: request.method });
      return { ...outcome, status: 'error', errorType: 'internal_error', message: `the stream of ${name} ended without a response` };
    }
    return outcome;
  } finally {
    if (key) runtime.inFlight.delete(key);
  }
}

/** Forwards a client notification (or a client response to a server request) to one backend; answers 202. */
export async function forwardToBackend(exchange: Exchange, message: JsonRpcNotification | JsonRpcResponse, backend: BackendRuntime, missingSessionStatus: number): Promise<Outcome> {
  const entry = requireBackendSession(exchange, backend.config.name, missingSessionStatus);
  exchange.trace?.routeToBackend({ backend: backend.config.name, url: backend.config.url, sessionId: entry.sessionId, isNew: false, exclusive: true });
  const response = await post(exchange, backend, entry, message);
  discard(response.body);
  sendAccepted(exchange);
  return SUCCESS;
}

/**
 * Sends a notification to several backends of the session and waits for them; failures are
 * logged only (a notification has no answer to fail).
 */
export async function notifyBackends(exchange: Exchange, message: JsonRpcNotification, backends: string[]): Promise<void> {
  await Promise.all(
    backends.map(async (name) => {
      const backend = exchange.route.backends.get(name);
      const entry = backendSession(exchange, name);
      if (!backend || !entry) return;
      exchange.trace?.routeToBackend({ backend: name, url: backend.config.url, sessionId: entry.sessionId, isNew: false, exclusive: false });
      try {
        discard((await post(exchange, backend, entry, message)).body);
      } catch (error) {
        exchange.runtime.logger.warn('MCP notification not delivered to a backend', { method: message.method, backend: name, reason: error instanceof Error ? error.message : String(error) });
      }
    }),
  );
}

/** Posts one message; a non-2xx answer becomes the client's error (404 when the backend lost the session). */
async function post(exchange: Exchange, backend: BackendRuntime, entry: McpBackendSession, message: JsonRpcMessage): Promise<BackendResponse> {
  const name = backend.config.name;
  let response: BackendResponse;
  try {
    response = await backend.client.request({
      method: 'POST',
      body: serialize(withTraceMeta(exchange, message)),
      sessionId: entry.sessionId,
      protocolVersion: exchange.protocolVersion,
      forwardedHeaders: forwardedHeaders(exchange, backend.config),
      signal: exchange.signal,
    });
  } catch (error) {
    throw new McpProxyError(500, `call to ${name} failed: ${error instanceof Error ? error.message : String(error)}`, 'internal_error');
  }
  if (response.status >= 200 && response.status < 300) return response;
  // 404 on a session means the backend ended it: the client must initialize again (MCP transport spec).
  if (response.status === 404 && entry.sessionId) throw new McpProxyError(404, `session not found: backend ${name} ended its session`, 'invalid_session_id');
  throw new McpProxyError(500, `call to ${name} failed with status code ${response.status}, body=${await bodySnippet(response.body)}`, 'internal_error');
}

function requireBackendSession(exchange: Exchange, backend: string, status: number): McpBackendSession {
  const entry = backendSession(exchange, backend);
  if (!entry) throw new McpProxyError(status, `no MCP session found for backend ${backend}`, 'invalid_param');
  return entry;
}

/** The key of a client request in ProxyRuntime.inFlight. */
export function inFlightKey(exchange: Exchange, id: unknown): string | undefined {
  if (!exchange.session || (typeof id !== 'string' && typeof id !== 'number')) return undefined;
  return `${exchange.session.token}\u0000${typeof id}:${id}`;
}

/** Upstream's metric error type for a JSON-RPC error code. */
export function errorTypeOf(code: number): string {
  switch (code) {
    case -32602:
      return 'invalid_param';
    case -32601:
      return 'unsupported_method';
    case -32600:
    case -32700:
      return 'invalid_json_rpc';
    default:
      return 'internal_error';
  }
}
