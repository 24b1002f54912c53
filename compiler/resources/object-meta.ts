import type { FieldReader } from '../field-reader.js';

/** The metadata fields aigw reads. Labels and other bookkeeping fields are accepted and unused. */
export interface ObjectMeta {
  name: string;
  namespace: string;
  annotations: Record<string, string>;
}

/** Namespace used when a resource does not set one, as `kubectl apply` would. */
export const DEFAULT_NAMESPACE = 'default';

export function readObjectMeta(metadata: FieldReader | undefined): ObjectMeta {
  if (!metadata) return { name: '', namespace: DEFAULT_NAMESPACE, annotations: {} };
  const name = metadata.requiredString('name');
  const namespace = metadata.string('namespace') ?? DEFAULT_NAMESPACE;
  const annotations: Record<string, string> = {};
  const annotationReader = metadata.object('annotations');
  if (annotationReader) {
    for (const key of Object.keys(annotationReader.value)) {
      const value = annotationReader.string(key);
      if (value !== undefined) annotations[key] = value;
    }
  }
  for (const key of ['labels', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'finalizers', 'ownerReferences', 'generateName']) {
    metadata.ignore(key);
  }
  metadata.done();
  return { name, namespace, annotations };
}

/** A reference to another object (Gateway API ParentReference / BackendObjectReference / LocalPolicyTargetReference). */
export interface ObjectReference {
  group?: string;
  kind?: string;
  name: string;
  namespace?: string;
  sectionName?: string;
  port?: number;
}

export function readReference(reader: FieldReader): ObjectReference {
  const reference: ObjectReference = { name: reader.requiredString('name') };
  const group = reader.string('group');
  const kind = reader.string('kind');
  const namespace = reader.string('namespace');
  const sectionName = reader.string('sectionName');
  const port = reader.integer('port', { min: 1, max: 65535 });
  if (group !== undefined) reference.group = group;
  if (kind !== undefined) reference.kind = kind;
  if (namespace !== undefined) reference.namespace = namespace;
  if (sectionName !== undefined) reference.sectionName = sectionName;
  if (port !== undefined) reference.port = port;
  reader.done();
  return reference;
}
