// SPDX-License-Identifier: Apache-2.0
//
// pruneUnknownFields: drops the fields a structural schema does not declare, like the API server
// does on decode, and returns the server-side field validation warnings for them
// (`unknown field "spec.foo"`, what kubectl prints as `Warning: unknown field …`).

import type { CrdSchema } from './crd-model.js';
import { childPath, indexPath, keyPath } from './field-path.js';
import { isJsonObject, type JsonObject, type JsonValue } from './json-value.js';

/** ObjectMeta's fields; anything else under metadata is dropped with a warning. */
const OBJECT_META_FIELDS = new Set([
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
]);

/** Mutates `value` in place; returns the warnings in document order. */
export function pruneUnknownFields(schema: CrdSchema, value: JsonValue, root = true): string[] {
  const warnings: string[] = [];
  prune(schema, value, '', root, warnings);
  return warnings;
}

function pruneObjectMeta(value: JsonValue, path: string, warnings: string[]): void {
  if (!isJsonObject(value)) return;
  for (const key of Object.keys(value)) {
    if (!OBJECT_META_FIELDS.has(key)) {
      warnings.push(`unknown field ${JSON.stringify(childPath(path, key))}`);
      delete value[key];
    }
  }
}

function prune(schema: CrdSchema | undefined, value: JsonValue, path: string, resourceRoot: boolean, warnings: string[]): void {
  if (schema === undefined || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => prune(schema.items, item, indexPath(path, i), false, warnings));
    return;
  }
  const obj: JsonObject = value;
  const isResource = resourceRoot || schema.embeddedResource === true;
  const preserve = schema.preserveUnknownFields === true || schema.additionalProperties === true;
  const additional = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  for (const key of Object.keys(obj)) {
    const child = obj[key] ?? null;
    const childFieldPath = childPath(path, key);
    if (isResource && (key === 'apiVersion' || key === 'kind')) continue;
    if (isResource && key === 'metadata') {
      pruneObjectMeta(child, childFieldPath, warnings);
      continue;
    }
    const prop = schema.properties?.get(key);
    if (prop !== undefined) {
      prune(prop, child, childFieldPath, false, warnings);
    } else if (additional !== undefined) {
      prune(additional, child, keyPath(path, key), false, warnings);
    } else if (!preserve) {
      warnings.push(`unknown field ${JSON.stringify(childFieldPath)}`);
      delete obj[key];
    }
  }
}
