import type { JsonRecord } from '../../common/json-guards.js';
import type { SpanAttributes, SpanEvent } from '../../extproc/telemetry/tracing/span-attributes.js';
import type { JsonRpcId } from '../proxy/mcp-jsonrpc.js';

/**
 * What one semantic convention records on the span of an MCP request: names, attribute keys and
 * events, as plain data (no OpenTelemetry dependency, so each convention is tested on its own).
 * Two exist, as upstream: the gateway's own names (the default, AI_GATEWAY_TRACING_SEMCONV unset
 * or `openinference`) and the OpenTelemetry MCP conventions (`gen_ai`). Trace context
 * propagation, header-mapped attributes, the exception event and the span status are the same in
 * both and live in createMcpTracing.
 */
export interface McpSpanVocabulary {
  spanName(request: McpSpanRequest): string;
  /** Attributes known when the span starts. */
  requestAttributes(request: McpSpanRequest): SpanAttributes;
  /** The request went to a backend: span attributes (may be none) and the `route to backend` event. */
  routeToBackend(route: McpBackendRoute): { attributes: SpanAttributes; event: SpanEvent };
  /** The client's session with the gateway (the `mcp-session-id` it holds). */
  clientSession(token: string): SpanAttributes;
  /** A point on the request's timeline (e.g. a fan-out starting), or nothing. */
  event(name: string): SpanEvent | undefined;
  /** How many items a merged list holds. */
  listResult(method: string, count: number): SpanAttributes;
  /** The result of a tools/call (content: only when capture is on). */
  toolCallResult(result: unknown): SpanAttributes;
  /** Attributes of a failed request besides the exception event and status. */
  errorAttributes(outcome: McpSpanOutcome): SpanAttributes;
}

/** The JSON-RPC request or notification a span is for. */
export interface McpSpanRequest {
  method: string;
  /** Absent for notifications. */
  id?: JsonRpcId;
  params?: JsonRecord;
  /** The protocol version the gateway speaks on this request (for initialize: the one it answers). */
  protocolVersion: string;
  /** The `mcp-protocol-version` header, when the client sent one. */
  clientProtocolVersion?: string;
}

/** One hop to a backend. */
export interface McpBackendRoute {
  backend: string;
  /** The backend's URL (server address and port). */
  url: string;
  /** The backend's own session id ('' for stateless servers). */
  sessionId: string;
  /** Whether the session was opened by this request (initialize). */
  isNew: boolean;
  /** Whether this backend alone serves the request (not one of a fan-out). */
  exclusive: boolean;
}

/** How the request ended. */
export interface McpSpanOutcome {
  status: 'success' | 'failed' | 'error';
  /** The metrics' error type (invalid_param, internal_error, …). */
  errorType?: string;
  /** The JSON-RPC error code the client received, when it received one. */
  jsonRpcErrorCode?: number;
  message?: string;
}
