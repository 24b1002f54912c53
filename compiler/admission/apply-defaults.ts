// SPDX-License-Identifier: Apache-2.0
//
// applyDefaults: fills `default`s in like the API server's structural defaulting: a property that
// is absent (or null while not nullable) takes its default, then defaulting recurses into it.

import type { CrdSchema } from './crd-model.js';
import { cloneJson, type JsonObject, type JsonValue } from './json-value.js';

function isNonNullableNull(value: JsonValue | undefined, schema: CrdSchema | undefined): boolean {
  return value === null && schema !== undefined && schema.nullable !== true;
}

/** Mutates `value` in place. */
export function applyDefaults(schema: CrdSchema | undefined, value: JsonValue): void {
  if (schema === undefined || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    const items = schema.items;
    value.forEach((item, i) => {
      if (isNonNullableNull(item, items) && items?.default !== undefined) value[i] = cloneJson(items.default);
      applyDefaults(items, value[i] ?? null);
    });
    return;
  }
  const obj: JsonObject = value;
  const additional = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  // A null where the schema does not allow one is dropped before defaulting, unless a default
  // replaces it (apiextensions-apiserver PruneNonNullableNullsWithoutDefaults): `telemetry:`
  // with nothing under it means "not set", not "set to null". List items are left to validation.
  for (const key of Object.keys(obj)) {
    const prop = schema.properties?.get(key) ?? additional;
    if (prop !== undefined && isNonNullableNull(obj[key], prop) && prop.default === undefined) delete obj[key];
  }
  if (schema.properties !== undefined) {
    for (const [key, prop] of schema.properties) {
      if (prop.default === undefined) continue;
      if (!Object.hasOwn(obj, key) || isNonNullableNull(obj[key], prop)) obj[key] = cloneJson(prop.default);
    }
  }
  for (const key of Object.keys(obj)) {
    const prop = schema.properties?.get(key);
    if (prop !== undefined) {
      applyDefaults(prop, obj[key] ?? null);
    } else if (additional !== undefined) {
      if (isNonNullableNull(obj[key], additional) && additional.default !== undefined) obj[key] = cloneJson(additional.default);
      applyDefaults(additional, obj[key] ?? null);
    }
  }
}
