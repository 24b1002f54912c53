import { SpanStatusCode } from '@opentelemetry/api';
import type { HeaderAttribute } from '../../extproc/telemetry/metrics/header-attributes.js';
import type { RequestTracer } from '../../extproc/telemetry/tracing/request-tracer.js';
import { spanAttributesToRecord, type SpanAttributes, type SpanEvent } from '../../extproc/telemetry/tracing/span-attributes.js';
import { genAiMcpSpanVocabulary } from './mcp-gen-ai-span-vocabulary.js';
import { legacyMcpSpanVocabulary } from './mcp-legacy-span-vocabulary.js';
import { metaValue } from '../proxy/mcp-meta-value.js';
import type { McpRequestTrace, McpTracing } from './mcp-tracing.js';

/**
 * MCP spans on the ext_proc's tracer (same exporter, resource and AI_GATEWAY_TRACING_SEMCONV as
 * the LLM spans). Span kind CLIENT in both conventions, as upstream. `spanHeaders`
 * (OTEL_AIGW_SPAN_REQUEST_HEADER_ATTRIBUTES, agent-session-id → session.id by default) are read
 * from `params._meta` first, then from the HTTP headers, as upstream does for MCP.
 */
export function createMcpTracing(tracer: RequestTracer, spanHeaders: readonly HeaderAttribute[]): McpTracing {
  const vocabulary = tracer.semconv === 'gen_ai' ? genAiMcpSpanVocabulary(tracer.captureContent) : legacyMcpSpanVocabulary;
  return {
    start(request, headers) {
      const meta = request.params?._meta;
      const mapped: SpanAttributes = spanHeaders.flatMap((mapping) => {
        const value = metaValue(meta, mapping.header) ?? headers[mapping.header];
        return value === undefined || value === '' ? [] : [[mapping.attribute, value] as const];
      });
      const { span, inject } = tracer.start(vocabulary.spanName(request), 'CLIENT', parentCarrier(headers, meta), [...vocabulary.requestAttributes(request), ...mapped]);
      const set = (attributes: SpanAttributes): void => {
        for (const [key, value] of attributes) span.setAttribute(key, value);
      };
      const add = (event: SpanEvent | undefined): void => {
        if (event) span.addEvent(event.name, spanAttributesToRecord(event.attributes));
      };
      let ended = false;
      const trace: McpRequestTrace = {
        inject,
        routeToBackend(route) {
          const { attributes, event } = vocabulary.routeToBackend(route);
          set(attributes);
          add(event);
        },
        clientSession: (token) => set(vocabulary.clientSession(token)),
        event: (name) => add(vocabulary.event(name)),
        listResult: (method, count) => set(vocabulary.listResult(method, count)),
        toolCallResult: (result) => set(vocabulary.toolCallResult(result)),
        end(outcome) {
          if (ended) return;
          ended = true;
          if (outcome.status === 'success') {
            span.setStatus({ code: SpanStatusCode.OK });
          } else {
            const message = outcome.message ?? (outcome.status === 'failed' ? 'tool returned isError=true' : 'MCP request failed');
            set(vocabulary.errorAttributes(outcome));
            span.addEvent('exception', { 'exception.type': outcome.status === 'failed' ? 'tool_error' : (outcome.errorType ?? 'internal_error'), 'exception.message': message });
            span.setStatus({ code: SpanStatusCode.ERROR, message });
          }
          span.end();
        },
      };
      return trace;
    },
  };
}

/**
 * The carrier the parent context is extracted from: the HTTP headers, with `params._meta`'s
 * trace context on top when it holds a valid `traceparent` (its `tracestate` goes with it). A
 * client that traces per message, as MCP SDKs do, thus parents the span even over a connection
 * whose headers belong to another trace.
 */
function parentCarrier(headers: Readonly<Record<string, string>>, meta: unknown): Record<string, string> {
  const carrier: Record<string, string> = {};
  for (const name of ['traceparent', 'tracestate', 'baggage'] as const) {
    const value = headers[name];
    if (value !== undefined) carrier[name] = value;
  }
  const traceparent = metaValue(meta, 'traceparent');
  if (traceparent !== undefined && isValidTraceparent(traceparent)) {
    carrier.traceparent = traceparent;
    const tracestate = metaValue(meta, 'tracestate');
    if (tracestate !== undefined) carrier.tracestate = tracestate;
    else delete carrier.tracestate;
  }
  const baggage = metaValue(meta, 'baggage');
  if (baggage !== undefined) carrier.baggage = baggage;
  return carrier;
}

/** W3C Trace Context `traceparent`: version 00-fe, non-zero trace and parent ids. */
function isValidTraceparent(value: string): boolean {
  const match = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}(-.*)?$/.exec(value.trim());
  if (!match) return false;
  const [, version = '', traceId = '', parentId = ''] = match;
  return version !== 'ff' && !/^0+$/.test(traceId) && !/^0+$/.test(parentId);
}
