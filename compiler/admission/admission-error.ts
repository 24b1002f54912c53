// SPDX-License-Identifier: Apache-2.0
//
// Field errors worded exactly like k8s.io/apimachinery/pkg/util/validation/field, which is what
// the API server prints for an invalid custom resource:
//
//   spec.rules: Too many: 16: must have at most 15 items
//   spec.schema.name: Unsupported value: "X": supported values: "OpenAI", "Cohere"

import type { JsonValue } from './json-value.js';

/** field.ErrorType, by the name of its constructor (NotSupported is "Unsupported value"). */
export type AdmissionErrorType =
  | 'Required'
  | 'Invalid'
  | 'Unsupported'
  | 'TooMany'
  | 'TooLong'
  | 'Forbidden'
  | 'Duplicate'
  | 'NotFound'
  | 'Internal';

export interface AdmissionError {
  /** Kubernetes field path, e.g. `spec.rules[0].name`. */
  path: string;
  type: AdmissionErrorType;
  /** The whole Kubernetes text, `<path>: <reason>`, e.g. `spec.x: Required value`. */
  message: string;
  /** What produced it: a schema keyword (`maxItems`, `pattern`, …) or `x-kubernetes-validations`. */
  source: string;
  /** For `Unsupported`: the value given and the values allowed, for a "did you mean" hint. */
  value?: JsonValue;
  supported?: readonly JsonValue[];
}

const TYPE_TEXT: Record<AdmissionErrorType, string> = {
  Required: 'Required value',
  Invalid: 'Invalid value',
  Unsupported: 'Unsupported value',
  TooMany: 'Too many',
  TooLong: 'Too long',
  Forbidden: 'Forbidden',
  Duplicate: 'Duplicate value',
  NotFound: 'Not found',
  Internal: 'Internal error',
};

/** A bad value as Go's field.Error prints it; `omit` prints none. */
export type BadValue = { omit: true } | { value: JsonValue | undefined } | { goInt: number };

export const OMIT: BadValue = { omit: true };

function goQuote(s: string): string {
  return JSON.stringify(s);
}

/** Go's `%#v` for decoded JSON (map[string]interface {}, []interface {}, …), keys sorted like fmt. */
export function goSyntax(value: JsonValue): string {
  if (value === null) return 'interface {}(nil)';
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[]interface {}{${value.map(goSyntax).join(', ')}}`;
  const keys = Object.keys(value).sort();
  return `map[string]interface {}{${keys.map((k) => `${goQuote(k)}:${goSyntax(value[k] ?? null)}`).join(', ')}}`;
}

function formatBadValue(bad: BadValue): string | undefined {
  if ('omit' in bad) return undefined;
  if ('goInt' in bad) return String(bad.goInt);
  const v = bad.value;
  if (v === undefined || v === null) return goQuote('null');
  if (typeof v === 'string') return goQuote(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return goSyntax(v);
}

/** field.Error.ErrorBody(): the reason without the path. */
export function errorBody(type: AdmissionErrorType, bad: BadValue, detail: string): string {
  let s = TYPE_TEXT[type];
  // Required, Forbidden, TooLong and Internal never print the value.
  if (type !== 'Required' && type !== 'Forbidden' && type !== 'TooLong' && type !== 'Internal') {
    const v = formatBadValue(bad);
    if (v !== undefined) s += `: ${v}`;
  }
  if (detail !== '') s += `: ${detail}`;
  return s;
}

export function fieldError(path: string, type: AdmissionErrorType, bad: BadValue, detail: string, source: string): AdmissionError {
  const body = errorBody(type, bad, detail);
  return { path, type, message: path === '' ? body : `${path}: ${body}`, source };
}

export const fieldErrors = {
  required: (path: string, detail: string, source: string): AdmissionError => fieldError(path, 'Required', OMIT, detail, source),
  forbidden: (path: string, detail: string, source: string): AdmissionError => fieldError(path, 'Forbidden', OMIT, detail, source),
  invalid: (path: string, value: JsonValue | undefined, detail: string, source: string): AdmissionError =>
    fieldError(path, 'Invalid', { value }, detail, source),
  duplicate: (path: string, value: JsonValue | undefined, source: string): AdmissionError =>
    fieldError(path, 'Duplicate', { value }, '', source),
  notSupported: (path: string, value: JsonValue | undefined, supported: readonly JsonValue[], source: string): AdmissionError => ({
    ...fieldError(
      path,
      'Unsupported',
      { value },
      supported.length === 0
        ? ''
        : `supported values: ${supported.map((v) => goQuote(typeof v === 'string' ? v : JSON.stringify(v))).join(', ')}`,
      source,
    ),
    ...(value !== undefined ? { value } : {}),
    supported,
  }),
  tooMany: (path: string, actual: number, max: number, source: string): AdmissionError =>
    fieldError(
      path,
      'TooMany',
      actual >= 0 ? { goInt: actual } : OMIT,
      max >= 0 ? `must have at most ${max} ${max === 1 ? 'item' : 'items'}` : 'has too many items',
      source,
    ),
  /** field.TooLongMaxLength, as used for CRD `maxLength`. */
  tooLong: (path: string, value: JsonValue | undefined, max: number, source: string): AdmissionError =>
    fieldError(path, 'TooLong', { value }, max >= 0 ? `may not be longer than ${max}` : 'value is too long', source),
  internal: (path: string, detail: string, source: string): AdmissionError => fieldError(path, 'Internal', OMIT, detail, source),
};
