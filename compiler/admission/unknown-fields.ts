// SPDX-License-Identifier: Apache-2.0
//
// findUnknownFields: the fields of an object that its structural schema does not declare, each
// with the names the schema does declare at that place (for a "did you mean" hint). The API
// server drops these with a warning by default and rejects them under strict field validation
// (`kubectl --validate=strict`, upstream aigw run); aigw treats them as errors everywhere.

import type { CrdSchema } from './crd-model.js';
import { childPath, indexPath, keyPath } from './field-path.js';
import { isJsonObject } from './json-value.js';

/** ObjectMeta's fields; anything else under metadata is unknown. */
export const OBJECT_META_FIELDS: readonly string[] = [
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
];

/** One field the schema does not declare. */
export interface UnknownField {
  /** Path segments from the object's root, the unknown key last. */
  path: (string | number)[];
  /** The same path as the API server prints it (`spec.rules[0].backendRef`, map keys as `[key]`). */
  fieldPath: string;
  /** The field names declared where it was found, in schema order. */
  known: string[];
}

/** Every unknown field of `value` (a whole resource when `root`), in document order. */
export function findUnknownFields(schema: CrdSchema, value: unknown, root = true): UnknownField[] {
  const found: UnknownField[] = [];
  walk(schema, value, [], '', root, found);
  return found;
}

function walk(schema: CrdSchema | undefined, value: unknown, path: (string | number)[], text: string, resourceRoot: boolean, found: UnknownField[]): void {
  if (schema === undefined || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    const items: readonly unknown[] = value;
    items.forEach((item, i) => walk(schema.items, item, [...path, i], indexPath(text, i), false, found));
    return;
  }
  if (!isJsonObject(value)) return;
  const isResource = resourceRoot || schema.embeddedResource === true;
  const preserve = schema.preserveUnknownFields === true || schema.additionalProperties === true;
  const additional = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  for (const key of Object.keys(value)) {
    const child = value[key];
    if (isResource && (key === 'apiVersion' || key === 'kind')) continue;
    if (isResource && key === 'metadata') {
      if (!isJsonObject(child)) continue;
      for (const metaKey of Object.keys(child)) {
        if (!OBJECT_META_FIELDS.includes(metaKey)) {
          found.push({ path: [...path, key, metaKey], fieldPath: childPath(childPath(text, key), metaKey), known: [...OBJECT_META_FIELDS] });
        }
      }
      continue;
    }
    const prop = schema.properties?.get(key);
    if (prop !== undefined) walk(prop, child, [...path, key], childPath(text, key), false, found);
    else if (additional !== undefined) walk(additional, child, [...path, key], keyPath(text, key), false, found);
    else if (!preserve) {
      const known = [...(schema.properties?.keys() ?? [])];
      if (isResource) known.unshift('apiVersion', 'kind', 'metadata');
      found.push({ path: [...path, key], fieldPath: childPath(text, key), known });
    }
  }
}

/** Deletes the fields `findUnknownFields` found (they are all own keys of plain objects). */
export function deleteFields(value: unknown, fields: readonly UnknownField[]): void {
  for (const field of fields) {
    let node: unknown = value;
    for (const segment of field.path.slice(0, -1)) {
      if (Array.isArray(node)) {
        const items: readonly unknown[] = node;
        node = items[Number(segment)];
      } else node = isJsonObject(node) ? node[String(segment)] : undefined;
    }
    const last = field.path[field.path.length - 1];
    if (isJsonObject(node) && last !== undefined) delete node[String(last)];
  }
}
