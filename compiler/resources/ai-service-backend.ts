import { SCHEMA_NAMES, type SchemaName } from '../../contract/filter-config.js';
import { PROVIDERS } from '../../providers/providers.js';
import type { FieldReader } from '../field-reader.js';
import { readBodyMutation, readHeaderMutation } from './ai-gateway-route.js';
import { readReference, type ObjectReference } from './object-meta.js';

/** AIServiceBackend: a provider API (schema) reached through an Envoy Gateway Backend. */
export interface AIServiceBackendSpec {
  schema: { name: SchemaName; prefix?: string; version?: string };
  backendRef: ObjectReference;
  headerMutation?: { set: { name: string; value: string }[]; remove: string[] };
  bodyMutation?: { set: { path: string; value: string }[]; remove: string[] };
}

export function readAIServiceBackendSpec(spec: FieldReader): AIServiceBackendSpec | undefined {
  const schema = spec.requiredObject('schema');
  let schemaValue: AIServiceBackendSpec['schema'] | undefined;
  if (schema) {
    const name = schema.oneOf('name', SCHEMA_NAMES);
    if (!schema.has('name')) schema.error('name', 'Required value');
    const prefix = schema.string('prefix');
    const version = schema.string('version');
    const addressing = name ? PROVIDERS[name].addressing : undefined;
    if (addressing?.field === 'version' && addressing.missingWarning && version === undefined) schema.warn('version', addressing.missingWarning);
    schema.done();
    if (name) {
      schemaValue = {
        name,
        ...(prefix !== undefined ? { prefix } : {}),
        ...(version !== undefined ? { version } : {}),
      };
    }
  }
  const backendRefReader = spec.requiredObject('backendRef');
  const backendRef = backendRefReader ? readReference(backendRefReader) : undefined;
  const headerMutation = readHeaderMutation(spec);
  const bodyMutation = readBodyMutation(spec);
  // Not part of the API: the API server prunes it, so accept it with a warning (upstream's own
  // aigw configs set it).
  spec.ignore('timeouts', 'unknown field: not part of the AIServiceBackend API (Kubernetes prunes it); set timeouts on the AIGatewayRoute rule');
  spec.done();
  if (!schemaValue || !backendRef) return undefined;
  return { schema: schemaValue, backendRef, ...(headerMutation ? { headerMutation } : {}), ...(bodyMutation ? { bodyMutation } : {}) };
}
