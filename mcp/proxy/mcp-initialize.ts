import { randomUUID } from 'node:crypto';
import { isRecord, type JsonRecord } from '../../common/json-guards.js';
import { bodySnippet, discard, readMessages } from './mcp-backend-client.js';
import { type BackendRuntime, type Exchange, forwardedHeaders, LATEST_PROTOCOL_VERSION, McpProxyError, PROTOCOL_VERSIONS, sendJson } from './mcp-exchange.js';
import { type JsonRpcRequest, serialize } from './mcp-jsonrpc.js';
import { CAPABILITY, capabilitiesOf, capabilityBits, formatSessionPlaintext, type McpBackendSession, type McpSession } from './mcp-session.js';
import { withTraceMeta } from '../telemetry/mcp-trace-meta.js';

/**
 * `initialize`: opens a session with every backend the route (and its backendSelector) allows,
 * in parallel, and answers with one gateway session holding them all. A backend that fails is
 * left out with a logged reason, so one server being down does not break the others; only when
 * every backend fails is the client refused (500).
 */
export async function handleInitialize(exchange: Exchange, request: JsonRpcRequest): Promise<void> {
  const params = request.params;
  if (!params || (params.protocolVersion !== undefined && typeof params.protocolVersion !== 'string')) {
    throw new McpProxyError(400, 'invalid initialize params', 'invalid_param');
  }
  // Answer with the client's version when we speak it, else our latest (the client then decides).
  const version = PROTOCOL_VERSIONS.find((supported) => supported === params.protocolVersion) ?? LATEST_PROTOCOL_VERSION;
  exchange.protocolVersion = version;
  const { logger, metrics, crypto } = exchange.runtime;
  metrics.recordCapabilities('client', params.capabilities);

  const allowed = [...exchange.route.backends.values()].filter((backend) =>
    exchange.route.auth.selectsBackend(exchange.identity, exchange.httpRequest, backend.config.name),
  );
  if (allowed.length === 0) throw new McpProxyError(403, 'access denied', 'internal_error');

  const failures: string[] = [];
  const results = await Promise.all(
    allowed.map(async (backend) => {
      const started = performance.now();
      try {
        const signal = AbortSignal.any([exchange.signal, AbortSignal.timeout(exchange.runtime.settings.initializeTimeoutMs)]);
        const session = await initializeBackend(exchange, backend, { ...params, protocolVersion: version }, signal);
        metrics.recordInitialization(backend.config.name, (performance.now() - started) / 1000);
        exchange.trace?.routeToBackend({ backend: backend.config.name, url: backend.config.url, sessionId: session.sessionId, isNew: true, exclusive: false });
        return session;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        failures.push(`${backend.config.name}: ${reason}`);
        logger.warn('MCP backend left out of the session: initialize failed', { route: exchange.route.config.name, backend: backend.config.name, reason });
        return undefined;
      }
    }),
  );
  const backends = results.filter((entry): entry is McpBackendSession => entry !== undefined);
  if (backends.length === 0) throw new McpProxyError(500, `failed to create new session: failed to create MCP session to any backend (${failures.join('; ')})`, 'internal_error');

  const session: McpSession = { route: exchange.route.config.name, subject: exchange.identity.subject ?? '', backends };
  // Dated with the epoch the request came in, not the one now: the backends were initialized
  // with the route as it was then (a reload may have happened meanwhile).
  const token = await crypto.encrypt(formatSessionPlaintext(session), exchange.epoch);
  exchange.session = { session, token, stored: session, epoch: exchange.epoch };
  exchange.metadata.session = token;
  exchange.runtime.joins.rememberClient(token, { capabilities: isRecord(params.capabilities) ? params.capabilities : {}, clientInfo: isRecord(params.clientInfo) ? params.clientInfo : {} });
  const union = backends.reduce((bits, entry) => bits | entry.capabilities, 0);
  sendJson(exchange, 200, {
    jsonrpc: '2.0',
    id: request.id,
    result: { protocolVersion: version, capabilities: capabilitiesOf(withListChanged(union)), serverInfo: { name: 'envoy-ai-gateway', version: exchange.runtime.serverVersion } },
  });
}

/**
 * The gateway itself sends `notifications/{tools,prompts,resources}/list_changed` when a reload
 * changes what a session sees, so it announces `listChanged` for each of them it offers, whatever
 * its backends announce (clients such as the SDK's only refresh lists a server said may change).
 */
function withListChanged(bits: number): number {
  let result = bits;
  if (bits & CAPABILITY.tools) result |= CAPABILITY.toolsListChanged;
  if (bits & CAPABILITY.prompts) result |= CAPABILITY.promptsListChanged;
  if (bits & CAPABILITY.resources) result |= CAPABILITY.resourcesListChanged;
  return result;
}

/**
 * Opens a session with a backend added (or changed) after the client's gateway session was made,
 * so the session gains it without the client initializing again. The backend is told what the
 * client said at initialize (its capabilities and name) when this process kept it
 * (BackendJoins.rememberClient); else the gateway's name and no client capabilities, so it sends
 * no server requests the client may not support. Never rejects: a
 * backend that fails is left out of the session, logged, as at initialize.
 */
export async function joinBackend(exchange: Exchange, backend: BackendRuntime): Promise<McpBackendSession | undefined> {
  const { logger, metrics, settings, serverVersion, closing } = exchange.runtime;
  const started = performance.now();
  // Not the request's signal: the join is shared by the session's requests, and outlives the one that asked.
  const signal = AbortSignal.any([closing, AbortSignal.timeout(settings.initializeTimeoutMs)]);
  const client = exchange.session ? exchange.runtime.joins.clientOf(exchange.session.token) : undefined;
  const params = { protocolVersion: exchange.protocolVersion, capabilities: client?.capabilities ?? {}, clientInfo: client?.clientInfo ?? { name: 'envoy-ai-gateway', version: serverVersion } };
  try {
    const session = await initializeBackend(exchange, backend, params, signal);
    metrics.recordInitialization(backend.config.name, (performance.now() - started) / 1000);
    exchange.trace?.routeToBackend({ backend: backend.config.name, url: backend.config.url, sessionId: session.sessionId, isNew: true, exclusive: false });
    logger.debug('MCP backend joined a session after a reload', { route: exchange.route.config.name, backend: backend.config.name });
    return session;
  } catch (error) {
    logger.warn('MCP backend left out of the session: joining it after a reload failed', {
      route: exchange.route.config.name,
      backend: backend.config.name,
      reason: error instanceof Error ? error.message : String(error),
    });
    return undefined;
  }
}

async function initializeBackend(exchange: Exchange, backend: BackendRuntime, params: JsonRecord, signal: AbortSignal): Promise<McpBackendSession> {
  const { metrics } = exchange.runtime;
  const headers = forwardedHeaders(exchange, backend.config);
  const id = `aigw-initialize-${randomUUID()}`;
  const response = await backend.client.request({
    method: 'POST',
    body: serialize(withTraceMeta(exchange, { kind: 'request', id, method: 'initialize', params })),
    protocolVersion: exchange.protocolVersion,
    forwardedHeaders: headers,
    signal,
  });
  if (response.status !== 200) {
    throw new Error(`initialize failed with status code ${response.status}, body=${await bodySnippet(response.body)}`);
  }
  const sessionId = response.sessionId ?? '';
  let result: unknown;
  // SSE replies may carry other messages (logging, pings) before the response: skip them.
  for await (const { message } of readMessages(response)) {
    if (message.kind !== 'response' || message.id !== id) continue;
    if (message.error) throw new Error(`initialize failed: ${message.error.message} (code ${message.error.code})`);
    result = message.result;
    break;
  }
  discard(response.body);
  if (!isRecord(result)) throw new Error('initialize returned no result');
  metrics.recordCapabilities('server', result.capabilities);

  const initialized = await backend.client.request({
    method: 'POST',
    body: serialize(withTraceMeta(exchange, { kind: 'notification', method: 'notifications/initialized' })),
    sessionId,
    protocolVersion: exchange.protocolVersion,
    forwardedHeaders: headers,
    signal,
  });
  if (initialized.status < 200 || initialized.status >= 300) {
    throw new Error(`notifications/initialized failed with status code ${initialized.status}, body=${await bodySnippet(initialized.body)}`);
  }
  discard(initialized.body);
  return { backend: backend.config.name, sessionId, capabilities: capabilityBits(result.capabilities) };
}
