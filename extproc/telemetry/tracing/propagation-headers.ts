/** Request headers the trace propagators read (tracecontext + baggage). */
export const PROPAGATION_HEADERS = ['traceparent', 'tracestate', 'baggage'] as const;
