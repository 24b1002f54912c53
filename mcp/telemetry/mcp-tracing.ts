import type { McpBackendRoute, McpSpanOutcome, McpSpanRequest } from './mcp-span-vocabulary.js';

/**
 * Tracing of the MCP proxy: one span per POSTed request or notification, the child of the
 * client's trace context (HTTP headers, then `params._meta` on top, as upstream), carried on to
 * every backend the request reaches. Types only: the implementation (createMcpTracing) loads the
 * OpenTelemetry SDK, so the proxy imports it only when tracing is on.
 */
export interface McpTracing {
  start(request: McpSpanRequest, headers: Readonly<Record<string, string>>): McpRequestTrace;
}

/** The span of one request, as the proxy feeds it. */
export interface McpRequestTrace {
  /**
   * `traceparent` (and `tracestate`, `baggage` when present) of the span: sent to backends as
   * HTTP headers and in `params._meta`, where MCP servers look for them.
   */
  readonly inject: readonly (readonly [string, string])[];
  routeToBackend(route: McpBackendRoute): void;
  clientSession(token: string): void;
  event(name: string): void;
  listResult(method: string, count: number): void;
  toolCallResult(result: unknown): void;
  /** Ends the span (once; later calls are ignored). */
  end(outcome: McpSpanOutcome): void;
}
