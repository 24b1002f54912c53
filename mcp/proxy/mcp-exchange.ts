import type * as http from 'node:http';
import { AigwError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import type { McpBackendClient } from './mcp-backend-client.js';
import type { BackendJoins } from './mcp-backend-joins.js';
import { MCP_METADATA_HEADERS, type McpBackendConfig, type McpRouteConfig } from '../../contract/mcp-config.js';
import type { McpMetrics } from '../telemetry/mcp-metrics.js';
import type { McpProxySettings } from './mcp-proxy-settings.js';
import type { McpHttpAnswer, McpHttpRequest, McpIdentity, McpRouteAuth } from '../auth/mcp-route-auth.js';
import type { JsonRpcId } from './mcp-jsonrpc.js';
import type { McpBackendSession, McpSession } from './mcp-session.js';
import type { McpSessionCrypto } from './mcp-session-crypto.js';
import type { StreamRegistry } from './mcp-stream-registry.js';
import type { ToolSelector } from './mcp-tool-selector.js';
import type { McpRequestTrace, McpTracing } from '../telemetry/mcp-tracing.js';

/** What every request of a proxy shares. */
export interface ProxyRuntime {
  crypto: McpSessionCrypto;
  metrics: McpMetrics;
  logger: Logger;
  settings: McpProxySettings;
  serverVersion: string;
  /**
   * Requests being forwarded, by session and client request id, to the backends serving them:
   * how `notifications/cancelled` finds its backend (this process only; see McpProxy).
   */
  inFlight: Map<string, string[]>;
  /** Present when tracing is on (OTEL_* set): spans for POSTed requests and notifications. */
  tracing?: McpTracing;
  /** The open GET streams, which a reload notifies. */
  streams: StreamRegistry;
  /** Backends sessions joined after a reload (see resolveSessionBackends). */
  joins: BackendJoins;
  /** Aborted when the proxy closes: ends work no client request owns (joins). */
  closing: AbortSignal;
}

/**
 * One MCPRoute, ready to serve. A request keeps the runtime it started with: a reload builds new
 * ones (reusing what did not change) and only new requests see them.
 */
export interface RouteRuntime {
  config: McpRouteConfig;
  auth: McpRouteAuth;
  backends: Map<string, BackendRuntime>;
  /** The proxy epoch in which `backendSelector` last changed (see planSessionBackends). */
  selectorSince: number;
}

export interface BackendRuntime {
  config: McpBackendConfig;
  /** Shared with the runtimes of other epochs as long as the connection settings stay the same. */
  client: McpBackendClient;
  selector: ToolSelector;
  /**
   * The proxy epoch in which the backend was added or its connection settings (anything but
   * `toolSelector`) last changed: sessions made before it hold no valid session with it.
   */
  since: number;
}

/** One client HTTP request being served. */
export interface Exchange {
  runtime: ProxyRuntime;
  route: RouteRuntime;
  identity: McpIdentity;
  httpRequest: McpHttpRequest;
  response: http.ServerResponse;
  /** Aborted when the client goes away (or the proxy closes): backend calls follow it. */
  signal: AbortSignal;
  /** `mcp-protocol-version` sent to backends. */
  protocolVersion: string;
  /** Values for the access-log metadata headers, filled in as the request is understood. */
  metadata: Partial<Record<keyof typeof MCP_METADATA_HEADERS, string>>;
  /** The proxy epoch when the request came in: a session it makes is dated with it. */
  epoch: number;
  session?: ExchangeSession;
  /** The span of the POSTed message, when tracing is on. */
  trace?: McpRequestTrace;
}

/** The gateway session of a request. */
export interface ExchangeSession {
  /**
   * The session as this request uses it: `stored`, less the backends changed or removed since it
   * was made, plus the backends joined since (see resolveSessionBackends).
   */
  session: McpSession;
  /** The client's `mcp-session-id`. */
  token: string;
  /** The session as its id holds it. */
  stored: McpSession;
  /** The proxy epoch the id was made in; undefined when another process (or run) made it. */
  epoch: number | undefined;
}

/**
 * An error answered to the client as a text/plain body (upstream's error shape), an MCP AigwError.
 * With `jsonRpc` (see mcpJsonRpcError) it is answered as that JSON-RPC error response instead.
 */
export class McpProxyError extends AigwError {
  constructor(
    readonly status: number,
    message: string,
    /** Upstream's metric error type. */
    readonly errorType: string,
    /** A response prepared elsewhere (the authorizer's 403), sent instead of the message. */
    readonly answer?: McpHttpAnswer,
    /** The JSON-RPC request's id and the error code to answer it with (HTTP 200). */
    readonly jsonRpc?: { readonly id: JsonRpcId; readonly code: number },
  ) {
    super('MCP', message);
    this.name = 'McpProxyError';
  }
}

export const PROTOCOL_VERSIONS = ['2025-06-18', '2025-03-26'] as const;
export const LATEST_PROTOCOL_VERSION = PROTOCOL_VERSIONS[0];

/**
 * Headers for one backend: the identity's (claimToHeaders), then the backend's forwardHeaders,
 * then the request span's trace context (which wins over a forwarded `traceparent`).
 */
export function forwardedHeaders(exchange: Exchange, backend: McpBackendConfig): [string, string][] {
  const headers: [string, string][] = [...exchange.identity.forwardHeaders];
  for (const forward of backend.forwardHeaders) {
    const value = exchange.httpRequest.headers[forward.name];
    if (value !== undefined) headers.push([forward.backendHeader || forward.name, value]);
  }
  for (const [name, value] of exchange.trace?.inject ?? []) headers.push([name, value]);
  return headers;
}

/** The session's entry for a backend, or undefined. */
export function backendSession(exchange: Exchange, backend: string): McpBackendSession | undefined {
  return exchange.session?.session.backends.find((entry) => entry.backend === backend);
}

/** Writes the status line and headers, with the session id and the access-log metadata. */
export function writeHead(exchange: Exchange, status: number, headers: Record<string, string>): void {
  const response = exchange.response;
  if (response.headersSent) return;
  setMetadataHeaders(response, exchange.metadata);
  if (exchange.session) response.setHeader('mcp-session-id', exchange.session.token);
  response.writeHead(status, headers);
  // SSE replies must reach the client before the first event.
  if (headers['content-type'] === 'text/event-stream') response.flushHeaders();
}

export function sendJson(exchange: Exchange, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  writeHead(exchange, status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  exchange.response.end(text);
}

export function sendAccepted(exchange: Exchange): void {
  writeHead(exchange, 202, { 'content-length': '0' });
  exchange.response.end();
}

/**
 * Sets the metadata headers Envoy turns into dynamic metadata for the access log. A value that
 * is too long or not a valid header value is dropped rather than mangled (as upstream).
 */
export function setMetadataHeaders(response: http.ServerResponse, metadata: Exchange['metadata']): void {
  for (const key of METADATA_KEYS) {
    const value = metadata[key];
    if (value !== undefined && value !== '' && value.length <= MAX_METADATA_LENGTH && HEADER_VALUE.test(value)) response.setHeader(MCP_METADATA_HEADERS[key], value);
  }
}

const METADATA_KEYS: readonly (keyof typeof MCP_METADATA_HEADERS)[] = ['method', 'tool', 'backend', 'session', 'requestId', 'resourceUri', 'agentSession'];

const MAX_METADATA_LENGTH = 1024;
// RFC 9110 field-value characters (visible ASCII, space, tab, obs-text), as Node accepts them.
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** How a POSTed message ended, for the metrics (backend and tool come from Exchange.metadata). */
export interface Outcome {
  status: 'success' | 'failed' | 'error';
  errorType?: string;
  jsonRpcErrorCode?: number;
  /** What went wrong, for the span's exception event. */
  message?: string;
}

export const SUCCESS: Outcome = { status: 'success' };
