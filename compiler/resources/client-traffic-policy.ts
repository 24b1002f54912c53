import type { FieldReader } from '../field-reader.js';
import { parseQuantity } from '../quantities.js';
import { readReference, type ObjectReference } from './object-meta.js';

/**
 * Envoy Gateway ClientTrafficPolicy: the client-side connection settings aigw run honours —
 * the buffer limit, the connection limit and the HTTP timeouts. Unset fields keep aigw's
 * defaults (see resolve-client-settings.ts).
 */
export interface ClientTrafficPolicySpec {
  targetRefs: ObjectReference[];
  bufferLimitBytes?: number;
  /** `connection.connectionLimit`: concurrent connections per listener; beyond, new ones are closed. */
  connectionLimit?: { value: number; closeDelayMs?: number };
  /** `connection.maxAcceptPerSocketEvent`. */
  maxAcceptPerSocketEvent?: number;
  timeouts: ClientTimeouts;
}

/** `timeout.http`, in milliseconds (0 disables a timeout). */
export interface ClientTimeouts {
  /** `requestReceivedTimeout`: the whole request must arrive within it (Envoy's request_timeout). */
  requestReceivedMs?: number;
  /** `idleTimeout`: a connection without requests is closed after it. */
  idleMs?: number;
  /** `streamIdleTimeout`: a request or response without any bytes for this long is ended. */
  streamIdleMs?: number;
}

/** Envoy's limit for a connection buffer (uint32). */
const MAX_BUFFER_LIMIT_BYTES = 2 ** 32 - 1;

export function readClientTrafficPolicySpec(spec: FieldReader): ClientTrafficPolicySpec {
  const targetRefs = spec.objects('targetRefs').map(readReference);
  const result: ClientTrafficPolicySpec = { targetRefs, timeouts: {} };
  const connection = spec.object('connection');
  if (connection) {
    const raw = connection.value.bufferLimit;
    connection.ignore('bufferLimit');
    if (raw !== undefined) {
      const bytes = typeof raw === 'string' || typeof raw === 'number' ? parseQuantity(raw) : undefined;
      if (bytes === undefined) connection.error('bufferLimit', `Invalid value: ${JSON.stringify(raw)}: must be a quantity such as 50Mi`);
      // Envoy's per_connection_buffer_limit_bytes is a uint32: a larger value fails Envoy's start.
      else if (bytes < 1 || bytes > MAX_BUFFER_LIMIT_BYTES) connection.error('bufferLimit', `Invalid value: ${JSON.stringify(raw)}: must be between 1 byte and 4Gi minus one byte (${MAX_BUFFER_LIMIT_BYTES})`);
      else result.bufferLimitBytes = bytes;
    }
    const limit = connection.object('connectionLimit');
    if (limit) {
      const value = limit.integer('value', { min: 1, max: MAX_BUFFER_LIMIT_BYTES });
      const closeDelayMs = limit.duration('closeDelay', '10s or 1m30s');
      if (value !== undefined) result.connectionLimit = { value, ...(closeDelayMs !== undefined ? { closeDelayMs } : {}) };
      limit.done();
    }
    const perEvent = connection.integer('maxAcceptPerSocketEvent', { min: 0, max: 2 ** 31 - 1 });
    if (perEvent !== undefined) result.maxAcceptPerSocketEvent = perEvent;
    if (connection.has('socketBufferLimit')) connection.unsupported('socketBufferLimit', 'socketBufferLimit is not supported by aigw run', 'remove it; bufferLimit bounds what Envoy buffers per connection');
    connection.ignore('socketBufferLimit');
    connection.done();
  }
  const timeout = spec.object('timeout');
  if (timeout) {
    const http = timeout.object('http');
    if (http) {
      const requestReceivedMs = http.duration('requestReceivedTimeout', '10s or 1m30s');
      const idleMs = http.duration('idleTimeout', '10s or 1m30s');
      const streamIdleMs = http.duration('streamIdleTimeout', '10s or 1m30s');
      if (requestReceivedMs !== undefined) result.timeouts.requestReceivedMs = requestReceivedMs;
      if (idleMs !== undefined) result.timeouts.idleMs = idleMs;
      if (streamIdleMs !== undefined) result.timeouts.streamIdleMs = streamIdleMs;
      http.done();
    }
    // Envoy Gateway applies it to TCPRoute listeners only; aigw serves HTTP listeners.
    timeout.ignore('tcp', 'timeout.tcp applies to TCP listeners, which aigw run does not serve: ignored');
    timeout.done();
  }
  spec.done();
  return result;
}

