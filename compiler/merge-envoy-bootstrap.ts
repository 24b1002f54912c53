import { isRecord } from '../common/json-guards.js';
import type { Json } from './envoy-json.js';

/** A parsed YAML value as bootstrap JSON, or undefined when it holds something JSON cannot (.inf, a function). */
export function toEnvoyJson(value: unknown): Json | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (Array.isArray(value)) {
    const items: Json[] = [];
    for (const item of value as unknown[]) {
      const converted = toEnvoyJson(item);
      if (converted === undefined) return undefined;
      items.push(converted);
    }
    return items;
  }
  if (isRecord(value)) {
    const out: { [key: string]: Json } = {};
    for (const [key, item] of Object.entries(value)) {
      const converted = toEnvoyJson(item);
      if (converted === undefined) return undefined;
      out[key] = converted;
    }
    return out;
  }
  return undefined;
}

/**
 * EnvoyProxy `bootstrap` with `type: Merge`, as Envoy Gateway applies it (protobuf MergeFrom):
 * messages merge field by field, repeated fields are appended to, scalars are replaced.
 */
export function mergeBootstrap(base: Json, patch: Json): Json {
  if (Array.isArray(base) && Array.isArray(patch)) return [...base, ...patch];
  if (isJsonObject(base) && isJsonObject(patch)) {
    const out: { [key: string]: Json } = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      const current = out[key];
      out[key] = current === undefined ? value : mergeBootstrap(current, value);
    }
    return out;
  }
  return patch;
}

function isJsonObject(value: Json): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
