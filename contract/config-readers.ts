import { isRecord, type JsonRecord } from '../common/json-guards.js';
import { AigwError } from '../common/errors.js';

/** Readers for the filter config file: each names the field path of what is wrong. */

export function record(value: unknown, path: string): JsonRecord {
  if (!isRecord(value)) throw new AigwError('CONFIG', `${path}: expected an object`);
  return value;
}

export function list(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new AigwError('CONFIG', `${path}: expected a list`);
  return value;
}

export function string(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new AigwError('CONFIG', `${path}: expected a string`);
  return value;
}

export function strings(value: unknown, path: string): string[] {
  return list(value, path).map((item, i) => string(item, `${path}[${i}]`));
}

/** A string, or undefined when the field is left out; anything else is an error (unlike common/json-guards' optionalString, which ignores it). */
export function stringOrAbsent(value: unknown, path: string): string | undefined {
  return value === undefined ? undefined : string(value, path);
}
