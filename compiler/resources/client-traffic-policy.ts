import type { FieldReader } from '../field-reader.js';
import { parseQuantity } from '../quantities.js';
import { readReference, type ObjectReference } from './object-meta.js';

/** Envoy Gateway ClientTrafficPolicy: only the connection buffer limit applies to aigw run. */
export interface ClientTrafficPolicySpec {
  targetRefs: ObjectReference[];
  bufferLimitBytes?: number;
}

/** Envoy's limit for a connection buffer (uint32). */
const MAX_BUFFER_LIMIT_BYTES = 2 ** 32 - 1;

export function readClientTrafficPolicySpec(spec: FieldReader): ClientTrafficPolicySpec {
  const targetRefs = spec.objects('targetRefs').map(readReference);
  const result: ClientTrafficPolicySpec = { targetRefs };
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
    connection.done();
  }
  spec.done();
  return result;
}
