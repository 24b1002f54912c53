/**
 * Upstream's recorded OpenInference spans (OTLP JSON in test/fixtures/upstream/spans) and
 * the comparison rules for them: ids and timestamps ignored, JSON-valued string attributes
 * compared parsed (the Python recorder uses other spacing and key order).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRecord, type JsonRecord } from '../../common/json-guards.js';
import { upstreamPath } from './upstream-fixtures.js';
import type { SpanAttributeValue, SpanAttributes, SpanEvent, SpanStatus } from '../../extproc/telemetry/tracing/span-attributes.js';

export { UPSTREAM_DIR } from './upstream-fixtures.js';
export const SPANS_DIR = upstreamPath('spans');

export interface GoldenSpan {
  name: string;
  kind: string;
  attributes: SpanAttributes;
  events: SpanEvent[];
  status: SpanStatus;
}

function otlpScalar(value: unknown): string | number | boolean {
  if (!isRecord(value)) throw new Error('OTLP AnyValue is not an object');
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (typeof value.intValue === 'string' || typeof value.intValue === 'number') return Number(value.intValue);
  if (typeof value.doubleValue === 'number') return value.doubleValue;
  if (typeof value.boolValue === 'boolean') return value.boolValue;
  throw new Error(`unsupported OTLP AnyValue ${JSON.stringify(value)}`);
}

function otlpValue(value: unknown): SpanAttributeValue {
  if (isRecord(value) && isRecord(value.arrayValue)) {
    const values: unknown = value.arrayValue.values;
    const items = Array.isArray(values) ? values.map(otlpScalar) : [];
    if (items.every((v): v is number => typeof v === 'number')) return items;
    if (items.every((v): v is string => typeof v === 'string')) return items;
    throw new Error('mixed OTLP array');
  }
  return otlpScalar(value);
}

function otlpAttributes(list: unknown): SpanAttributes {
  if (!Array.isArray(list)) return [];
  return list.map((kv: unknown) => {
    if (!isRecord(kv) || typeof kv.key !== 'string') throw new Error('bad OTLP KeyValue');
    return [kv.key, otlpValue(kv.value)] as const;
  });
}

export function loadGolden(name: string): GoldenSpan {
  const raw: unknown = JSON.parse(readFileSync(join(SPANS_DIR, `${name}.json`), 'utf8'));
  if (!isRecord(raw) || typeof raw.name !== 'string' || typeof raw.kind !== 'string') throw new Error(`${name}: not a span`);
  const events = Array.isArray(raw.events)
    ? raw.events.map((e: unknown): SpanEvent => {
      if (!isRecord(e) || typeof e.name !== 'string') throw new Error('bad event');
      return { name: e.name, attributes: otlpAttributes(e.attributes) };
    })
    : [];
  const status: JsonRecord = isRecord(raw.status) ? raw.status : {};
  const code = status.code === 'STATUS_CODE_OK' ? 'OK' : status.code === 'STATUS_CODE_ERROR' ? 'ERROR' : 'UNSET';
  return {
    name: raw.name,
    kind: raw.kind,
    attributes: otlpAttributes(raw.attributes),
    events,
    status: typeof status.message === 'string' ? { code, message: status.message } : { code },
  };
}

/** A JSON-valued string compares as parsed JSON; everything else as-is. */
function comparable(value: SpanAttributeValue): unknown {
  if (typeof value === 'string' && (value.startsWith('{') || value.startsWith('['))) {
    try {
      return { json: JSON.parse(value) as unknown };
    } catch {
      return value;
    }
  }
  return value;
}

function toMap(attrs: SpanAttributes, label: string): Map<string, unknown> {
  const map = new Map<string, unknown>();
  for (const [key, value] of attrs) {
    assert.ok(!map.has(key), `${label}: duplicate attribute ${key}`);
    map.set(key, comparable(value));
  }
  return map;
}

export function assertAttributesEqual(actual: SpanAttributes, expected: SpanAttributes, ignoreActual: readonly string[] = []): void {
  const a = toMap(actual, 'actual');
  const e = toMap(expected, 'golden');
  for (const key of ignoreActual) {
    assert.ok(a.has(key) && !e.has(key), `ignored key ${key} should be an actual-only attribute`);
    a.delete(key);
  }
  assert.deepEqual([...a.keys()].sort(), [...e.keys()].sort(), 'attribute keys');
  for (const [key, value] of e) assert.deepEqual(a.get(key), value, `attribute ${key}`);
}

/** Python writes the error body as a dict repr; upstream compares only the "Error code: N" part. */
export function errorCodePrefix(message: string): string {
  return /^(?:\w+: )?(Error code: \d+)/.exec(message)?.[1] ?? message;
}

