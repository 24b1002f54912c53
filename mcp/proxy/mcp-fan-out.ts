import { isRecord, type JsonRecord } from '../../common/json-guards.js';
import { bodySnippet, readMessages } from './mcp-backend-client.js';
import { type BackendRuntime, type Exchange, forwardedHeaders, type Outcome, SUCCESS, writeHead } from './mcp-exchange.js';
import { inFlightKey } from './mcp-forward.js';
import { type JsonRpcMessage, type JsonRpcRequest, serialize } from './mcp-jsonrpc.js';
import { namespaceUri, prefixName } from './mcp-names.js';
import { namespaceField, rewriteServerMessage, withMeta } from './mcp-rewrites.js';
import { CAPABILITY, type McpBackendSession } from './mcp-session.js';
import { withTraceMeta } from '../telemetry/mcp-trace-meta.js';
import { formatSseEvent } from './mcp-sse.js';

/** Methods answered by asking every backend of the session and merging their answers. */
export const FAN_OUT_METHODS = {
  'tools/list': { capability: CAPABILITY.tools, field: 'tools' },
  'prompts/list': { capability: CAPABILITY.prompts, field: 'prompts' },
  'resources/list': { capability: CAPABILITY.resources, field: 'resources' },
  'resources/templates/list': { capability: CAPABILITY.resources, field: 'resourceTemplates' },
  'logging/setLevel': { capability: CAPABILITY.logging, field: undefined },
} as const;

export type FanOutMethod = keyof typeof FAN_OUT_METHODS;

export function isFanOutMethod(method: string): method is FanOutMethod {
  return method in FAN_OUT_METHODS;
}

/**
 * Sends the request to each backend of the session that announced the capability, and answers
 * on an SSE stream (as upstream): what backends send meanwhile (progress, logging, server
 * requests with routed ids) is relayed as it comes, then one merged response.
 *
 * Lists are merged with backend prefixes; the tools list keeps only tools the backend's
 * toolSelector exposes and the route's authorization allows as `tools/call`, so clients see only
 * what they may call. Each backend's pages are all fetched (its `nextCursor` followed), so the
 * merged list is complete and has no cursor of its own. A backend that fails is left out (logged).
 */
export async function handleFanOut(exchange: Exchange, request: JsonRpcRequest, method: FanOutMethod): Promise<Outcome> {
  const { capability, field } = FAN_OUT_METHODS[method];
  const { logger, metrics } = exchange.runtime;
  const targets = (exchange.session?.session.backends ?? []).filter((entry) => entry.capabilities & capability && exchange.route.backends.has(entry.backend));
  writeHead(exchange, 200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const write = (message: JsonRpcMessage): void => {
    if (!exchange.response.writableEnded) exchange.response.write(formatSseEvent(serialize(message)));
  };
  // The client's cursor cannot mean anything to backends: the merged list has no pages.
  const { cursor: _cursor, ...params } = request.params ?? {};
  let failures = 0;
  const key = inFlightKey(exchange, request.id);
  if (key) exchange.runtime.inFlight.set(key, targets.map((entry) => entry.backend));
  exchange.trace?.event(`${method} aggregation begin`);
  const answers = await Promise.all(
    targets.map(async (entry) => {
      const backend = exchange.route.backends.get(entry.backend);
      if (!backend) return undefined;
      exchange.trace?.routeToBackend({ backend: entry.backend, url: backend.config.url, sessionId: entry.sessionId, isNew: false, exclusive: false });
      try {
        return { backend, results: await askBackend(exchange, backend, entry, { ...request, params }, field !== undefined, (message) => {
          if (message.kind === 'notification' && message.method === 'notifications/progress') metrics.recordProgress();
          write(rewriteServerMessage(message, entry.backend));
        }) };
      } catch (error) {
        failures++;
        const fields = { method, backend: entry.backend, reason: error instanceof Error ? error.message : String(error) };
        // A JSON-RPC error is the backend's own answer (often "method not found"), not an outage.
        if (error instanceof BackendAnswerError || exchange.signal.aborted) logger.debug('MCP backend left out of a merged answer', fields);
        else logger.warn('MCP backend left out of a merged answer', fields);
        return undefined;
      }
    }),
  ).finally(() => {
    if (key) exchange.runtime.inFlight.delete(key);
  });
  const result: Record<string, unknown> = {};
  if (field !== undefined) {
    const items: unknown[] = [];
    for (const answer of answers) {
      if (!answer) continue;
      for (const page of answer.results) {
        const list = page[field];
        if (Array.isArray(list)) items.push(...mergeItems(exchange, method, answer.backend, list));
      }
    }
    result[field] = items;
    exchange.trace?.listResult(method, items.length);
  }
  exchange.trace?.event(`${method} aggregation end`);
  write({ kind: 'response', id: request.id, result });
  exchange.response.end();
  return failures > 0 ? { status: 'error', errorType: 'internal_error', message: `${failures} of ${targets.length} backends returned an error response` } : SUCCESS;
}

/** Id prefix of the gateway's own `tools/list` requests for unknown-tool hints. */
const TOOL_HINT_ID_PREFIX = 'aigw-tool-hint';
let toolHintRequests = 0;

/**
 * The prefixed names of the tools the session's client may call (as `tools/list` shows them), for
 * a hint when it calls one that does not exist. Best effort within `timeoutMs`: a backend that
 * fails or is slow is left out, and nothing it sends meanwhile reaches the client.
 */
export async function sessionToolNames(exchange: Exchange, timeoutMs: number): Promise<string[]> {
  const { capability } = FAN_OUT_METHODS['tools/list'];
  const targets = (exchange.session?.session.backends ?? []).filter((entry) => entry.capabilities & capability && exchange.route.backends.has(entry.backend));
  const signal = AbortSignal.any([exchange.signal, AbortSignal.timeout(timeoutMs)]);
  const request: JsonRpcRequest = { kind: 'request', id: `${TOOL_HINT_ID_PREFIX}-${++toolHintRequests}`, method: 'tools/list', params: {} };
  const lists = await Promise.all(
    targets.map(async (entry) => {
      const backend = exchange.route.backends.get(entry.backend);
      if (!backend) return [];
      try {
        const pages = await askBackend(exchange, backend, entry, request, true, () => undefined, signal);
        return pages.flatMap((page) => (Array.isArray(page.tools) ? mergeItems(exchange, 'tools/list', backend, page.tools) : []));
      } catch (error) {
        exchange.runtime.logger.debug('MCP backend left out of an unknown-tool hint', { backend: entry.backend, reason: error instanceof Error ? error.message : String(error) });
        return [];
      }
    }),
  );
  return lists.flat().flatMap((tool) => (isRecord(tool) && typeof tool.name === 'string' ? [tool.name] : []));
}

/** The result pages of one backend; `relay` receives its other messages. */
async function askBackend(
  exchange: Exchange,
  backend: BackendRuntime,
  entry: McpBackendSession,
  request: JsonRpcRequest,
  paginated: boolean,
  relay: (message: JsonRpcMessage) => void,
  signal: AbortSignal = exchange.signal,
): Promise<JsonRecord[]> {
  const pages: JsonRecord[] = [];
  let params = request.params;
  for (let page = 0; page < MAX_PAGES; page++) {
    const response = await backend.client.request({
      method: 'POST',
      body: serialize(withTraceMeta(exchange, { ...request, ...(params ? { params } : {}) })),
      sessionId: entry.sessionId,
      protocolVersion: exchange.protocolVersion,
      forwardedHeaders: forwardedHeaders(exchange, backend.config),
      signal,
    });
    if (response.status < 200 || response.status >= 300) {
      throw new Error(`status code ${response.status}, body=${await bodySnippet(response.body)}`);
    }
    let result: unknown;
    for await (const { message } of readMessages(response)) {
      if (message.kind === 'response' && message.id === request.id) {
        if (message.error) throw new BackendAnswerError(`${message.error.message} (code ${message.error.code})`);
        result = message.result;
      } else {
        relay(message);
      }
    }
    // Some servers answer logging/setLevel with no result at all: that is still a success.
    if (!isRecord(result)) {
      if (paginated) throw new Error('no result');
      return pages;
    }
    pages.push(result);
    if (!paginated || typeof result.nextCursor !== 'string' || result.nextCursor === '') break;
    params = { ...params, cursor: result.nextCursor };
  }
  return pages;
}

function mergeItems(exchange: Exchange, method: FanOutMethod, backend: BackendRuntime, items: unknown[]): unknown[] {
  const name = backend.config.name;
  const merged: unknown[] = [];
  for (const item of items) {
    if (!isRecord(item) || typeof item.name !== 'string') continue;
    switch (method) {
      case 'tools/list': {
        if (!backend.selector(item.name)) continue;
        const decision = exchange.route.auth.authorize(exchange.identity, exchange.httpRequest, { method: 'tools/call', backend: name, tool: item.name, params: { name: item.name } });
        if (!decision.allowed) continue;
        merged.push(withMeta({ ...item, name: prefixName(name, item.name) }, name));
        break;
      }
      case 'prompts/list':
        merged.push({ ...item, name: prefixName(name, item.name) });
        break;
      case 'resources/list':
        merged.push(withMeta({ ...item, name: prefixName(name, item.name), ...(typeof item.uri === 'string' ? { uri: namespaceUri(name, item.uri) } : {}) }, name));
        break;
      case 'resources/templates/list': {
        const renamed = namespaceField(item, 'uriTemplate', name);
        merged.push(isRecord(renamed) ? { ...renamed, name: prefixName(name, item.name) } : renamed);
        break;
      }
      default:
        break;
    }
  }
  return merged;
}

/**
 * A JSON-RPC error answered by a backend. Not an AigwError on purpose: it never leaves this module
 * (the fan-out catches it and leaves that backend out of the merged answer, logged at debug); the
 * class only tells it apart from a transport failure, which is logged louder.
 */
class BackendAnswerError extends Error {}

/** A bound on pages per backend, against servers whose cursor never ends. */
const MAX_PAGES = 100;
