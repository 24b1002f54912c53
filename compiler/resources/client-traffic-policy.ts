import type { FieldReader } from '../field-reader.js';
import { parseQuantity } from '../quantities.js';
import { readReference, type ObjectReference } from './object-meta.js';

/** Envoy Gateway ClientTrafficPolicy: only the connection buffer limit applies to aigw run. */
export interface ClientTrafficPolicySpec {
  targetRefs: ObjectReference[];
  bufferLimitBytes?: number;
}

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
      else result.bufferLimitBytes = bytes;
    }
    connection.done();
  }
  spec.done();
  return result;
}
