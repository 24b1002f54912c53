import type { BackendConfig } from '../../contract/filter-config.js';

/** One timer a response stream runs under, and how the client's error message names it. */
export interface StreamTimeout {
  kind: 'idle' | 'request';
  /** The configured value, in milliseconds. */
  ms: number;
  /** Where the value comes from, e.g. `streamIdleTimeout` or `timeouts.request`. */
  field: string;
  /** Fire this much before `ms`, ahead of an Envoy timer of the same length (see requestTimeoutLeadMs). */
  leadMs?: number;
}

/** The timers of one response stream. */
export interface StreamTimeouts {
  idle: StreamTimeout;
  /** The route timeout, measured from the start of the request; absent when it is disabled (0). */
  request?: StreamTimeout;
}

/**
 * The stream idle timeout when the rule sets no `streamIdleTimeout`. Envoy's HTTP connection
 * manager resets a stream silent for 5 minutes (its default `stream_idle_timeout`): the gateway
 * ends it a minute earlier, with an error event the client can read. Most routes have a shorter
 * route timeout anyway (60 s unless `timeouts.request` says otherwise).
 */
export const DEFAULT_STREAM_IDLE_MS = 240_000;

/**
 * How much later than the ext_proc Envoy's own per-try idle timer fires (the compiler adds this
 * to `streamIdleTimeout` for `per_try_idle_timeout`). Envoy only resets; it is the backstop for
 * an ext_proc too busy to end the stream in time, and for a provider silent before its first
 * body byte (the ext_proc cannot add bytes to a body Envoy has not started sending it).
 */
export const ENVOY_IDLE_BACKSTOP_MS = 1_000;

const DEFAULT_IDLE_FIELD = 'the default stream idle timeout';
const LISTENER_IDLE_FIELD = 'ClientTrafficPolicy timeout.http.streamIdleTimeout';

/**
 * The timeouts the ext_proc enforces on a stream from `backend` (see BackendTimeouts).
 * `listenerStreamIdleMs` is the stream idle timeout of the listener the request came in on:
 * Envoy resets a stream silent that long (without an error event), so when it is shorter than
 * the rule's (or the default) idle timeout, the stream ends slightly before it, naming it.
 */
export function streamTimeouts(backend: BackendConfig, listenerStreamIdleMs?: number): StreamTimeouts {
  const timeouts = backend.timeouts;
  const ruleIdle: StreamTimeout =
    timeouts?.streamIdleMs !== undefined
      ? { kind: 'idle', ms: timeouts.streamIdleMs, field: 'streamIdleTimeout' }
      : { kind: 'idle', ms: DEFAULT_STREAM_IDLE_MS, field: DEFAULT_IDLE_FIELD };
  const listenerIdle: StreamTimeout | undefined =
    listenerStreamIdleMs !== undefined ? { kind: 'idle', ms: listenerStreamIdleMs, field: LISTENER_IDLE_FIELD, leadMs: requestTimeoutLeadMs(listenerStreamIdleMs) } : undefined;
  const idle = listenerIdle && firesAfterMs(listenerIdle) < firesAfterMs(ruleIdle) ? listenerIdle : ruleIdle;
  if (!timeouts || timeouts.requestMs <= 0) return { idle };
  return { idle, request: { kind: 'request', ms: timeouts.requestMs, field: timeouts.requestField } };
}

/** When a timer set for `timeout` goes off. */
export function firesAfterMs(timeout: StreamTimeout): number {
  return timeout.ms - (timeout.leadMs ?? 0);
}

/**
 * How long before Envoy's route timeout the ext_proc ends a stream. Envoy starts that timer
 * when the router has the whole request, a little after the ext_proc's clock started; firing
 * early (a tenth of the timeout, 100 ms to 1 s) lets the client read why its stream ended
 * instead of seeing a reset, and cuts short only a stream Envoy was about to cut anyway.
 */
export function requestTimeoutLeadMs(timeoutMs: number): number {
  return Math.min(1_000, Math.max(100, Math.floor(timeoutMs / 10)), Math.floor(timeoutMs / 2));
}

/** `1s`, `1.5s`, `4m`: a duration as a route spells it. */
export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1_000 === 0) return `${ms / 1_000}s`;
  return ms > 1_000 ? `${ms / 1_000}s` : `${ms}ms`;
}

/**
 * The client's error message for a stream a timer ended: which timeout fired, its value and
 * where it is configured. `source` names what was streaming (e.g. `backend default/openai`).
 */
export function timeoutMessage(timeout: StreamTimeout, source: string): string {
  const value = formatDuration(timeout.ms);
  const where = timeout.field === DEFAULT_IDLE_FIELD ? `${timeout.field} of ${value}; set streamIdleTimeout on the AIGatewayRoute rule to change it` : `${timeout.field} ${value}`;
  return timeout.kind === 'idle'
    ? `stream idle timeout: ${source} sent nothing for ${value} (${where}); the stream was ended before the response was complete`
    : `request timeout: the request reached its ${value} limit (${where}) while ${source} was still streaming; the stream was ended before the response was complete`;
}
