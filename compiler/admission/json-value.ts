// SPDX-License-Identifier: Apache-2.0
//
// JSON values as decoded from YAML/JSON, and the guards that narrow `unknown` to them.

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Converts a decoded value to JsonValue, dropping what JSON cannot hold (undefined, functions). */
export function toJsonValue(value: unknown): JsonValue | undefined {
  if (value === null) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : undefined;
    case 'bigint':
      return Number(value);
    case 'object': {
      if (Array.isArray(value)) {
        const items: unknown[] = value;
        const out: JsonValue[] = [];
        for (const item of items) out.push(toJsonValue(item) ?? null);
        return out;
      }
      if (value instanceof Date) return value.toISOString();
      const out: JsonObject = {};
      for (const [k, v] of Object.entries(value)) {
        const j = toJsonValue(v);
        if (j !== undefined) out[k] = j;
      }
      return out;
    }
    default:
      return undefined;
  }
}

export function cloneJson<T extends JsonValue>(value: T): T {
  return structuredClone(value);
}

/** The JSON type name Kubernetes uses in messages: "object", "array", "string", "integer", "number", "boolean", "null". */
export function jsonTypeName(value: JsonValue): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}
