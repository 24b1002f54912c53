// SPDX-License-Identifier: Apache-2.0
//
// validateSchema: the OpenAPI part of CRD admission, checked with ajv and reported in the API
// server's words (apiextensions-apiserver's kubeOpenAPIResultToFieldErrors over kube-openapi's
// messages), followed by the x-kubernetes-list-type set/map uniqueness checks.

import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

import { fieldErrors, type AdmissionError } from './admission-error.js';
import type { CrdSchema } from './crd-model.js';
import { childPath, indexPath } from './field-path.js';
import { jsonTypeName, toJsonValue, type JsonValue } from './json-value.js';
import { KUBERNETES_FORMATS } from './kubernetes-formats.js';
import { toAjvSchema } from './to-ajv-schema.js';

/**
 * How ajv checks a CRD schema, here and in the validators the build prepares
 * (scripts/gen-admission.mjs), which must agree: all errors, no strict-mode complaints about
 * Kubernetes' keywords, patterns as Go's RE2 reads them (no `u` flag), schemas taken as given.
 */
export const AJV_OPTIONS = { allErrors: true, strict: false, unicodeRegExp: false, validateSchema: false } as const;

/** The formats ajv checks, as ajv's `formats` option takes them (also handed to prepared validators). */
export const AJV_FORMATS: Readonly<Record<string, { type: 'string'; validate: (s: string) => boolean }>> = Object.fromEntries(
  [...KUBERNETES_FORMATS].map(([name, check]) => [name, { type: 'string' as const, validate: check }]),
);

// Made on first use: a process whose schemas were all prepared at build time never needs it.
let ajv: Ajv | undefined;

/** One validator per schema node, compiled once per process (or prepared at build time). */
const compiled = new WeakMap<CrdSchema, ValidateFunction>();

/** Uses a validator prepared at build time for `schema` instead of compiling one. */
export function usePreparedValidator(schema: CrdSchema, validate: ValidateFunction): void {
  compiled.set(schema, validate);
}

function compile(schema: CrdSchema): ValidateFunction {
  let fn = compiled.get(schema);
  if (fn === undefined) {
    ajv ??= new Ajv({ ...AJV_OPTIONS, formats: AJV_FORMATS });
    fn = ajv.compile(toAjvSchema(schema));
    compiled.set(schema, fn);
  }
  return fn;
}

/** Resolves an ajv instancePath (JSON pointer) against the data: the field.Path text and the value there. */
function locate(root: JsonValue, pointer: string): { path: string; value: JsonValue | undefined } {
  let path = '';
  let value: JsonValue | undefined = root;
  if (pointer === '') return { path, value };
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(value)) {
      const i = Number(token);
      path = indexPath(path, i);
      value = value[i];
    } else {
      path = childPath(path, token);
      value = value !== null && typeof value === 'object' ? value[token] : undefined;
    }
  }
  return { path, value };
}

/** True when the error comes from inside an anyOf/oneOf/not branch (the composite reports it). */
function composite(schemaPath: string): string | undefined {
  const tokens = schemaPath.replace(/^#\//, '').split('/');
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if ((t === 'anyOf' || t === 'oneOf' || t === 'not') && tokens[i - 1] !== 'properties') return t;
  }
  return undefined;
}

function param(e: ErrorObject, key: string): unknown {
  const params: Record<string, unknown> = e.params;
  return params[key];
}

function numberParam(e: ErrorObject, key: string): number {
  const v = param(e, key);
  return typeof v === 'number' ? v : -1;
}

function sizeOf(value: JsonValue | undefined): number {
  if (Array.isArray(value)) return value.length;
  if (value !== null && typeof value === 'object') return Object.keys(value).length;
  return -1;
}

function convert(e: ErrorObject, data: JsonValue): AdmissionError | undefined {
  const { path, value } = locate(data, e.instancePath);
  const kw = e.keyword;
  switch (kw) {
    case 'required': {
      const missing = param(e, 'missingProperty');
      return fieldErrors.required(childPath(path, typeof missing === 'string' ? missing : ''), '', kw);
    }
    case 'enum': {
      const allowed = toJsonValue(param(e, 'allowedValues'));
      const values = Array.isArray(allowed) ? allowed.filter((v) => v !== null) : [];
      return fieldErrors.notSupported(path, value, values, kw);
    }
    case 'type': {
      const want = param(e, 'type');
      const wantText = Array.isArray(want) ? want.join(',') : String(want);
      const actual = value === undefined ? 'null' : jsonTypeName(value);
      return fieldErrors.invalid(path, actual, `${path} in body must be of type ${wantText}: ${JSON.stringify(actual)}`, kw);
    }
    case 'format':
      return fieldErrors.invalid(
        path,
        value,
        `${path} in body must be of type ${String(param(e, 'format'))}: ${JSON.stringify(typeof value === 'string' ? value : '')}`,
        kw,
      );
    case 'maxItems':
      return fieldErrors.tooMany(path, sizeOf(value), numberParam(e, 'limit'), kw);
    case 'maxProperties':
      return fieldErrors.tooMany(path, sizeOf(value), numberParam(e, 'limit'), kw);
    case 'maxLength':
      return fieldErrors.tooLong(path, value, numberParam(e, 'limit'), kw);
    case 'minItems':
      return fieldErrors.invalid(path, sizeOf(value), `${path} in body should have at least ${numberParam(e, 'limit')} items`, kw);
    case 'minProperties':
      return fieldErrors.invalid(path, sizeOf(value), `${path} in body should have at least ${numberParam(e, 'limit')} properties`, kw);
    case 'minLength':
      return fieldErrors.invalid(path, value, `${path} in body should be at least ${numberParam(e, 'limit')} chars long`, kw);
    case 'pattern':
      return fieldErrors.invalid(path, value, `${path} in body should match '${String(param(e, 'pattern'))}'`, kw);
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
    case 'exclusiveMaximum': {
      const relation = {
        minimum: 'greater than or equal to',
        exclusiveMinimum: 'greater than',
        maximum: 'less than or equal to',
        exclusiveMaximum: 'less than',
      }[kw];
      return fieldErrors.invalid(path, value, `${path} in body should be ${relation} ${numberParam(e, 'limit')}`, kw);
    }
    case 'multipleOf':
      return fieldErrors.invalid(path, value, `${path} in body should be a multiple of ${numberParam(e, 'multipleOf')}`, kw);
    case 'anyOf':
      return fieldErrors.invalid(path, '', `${JSON.stringify(path)} must validate at least one schema (anyOf)`, kw);
    case 'oneOf': {
      const passing = param(e, 'passingSchemas');
      const found = Array.isArray(passing) ? `Found ${passing.length} valid alternatives` : 'Found none valid';
      return fieldErrors.invalid(path, '', `${JSON.stringify(path)} must validate one and only one schema (oneOf). ${found}`, kw);
    }
    case 'not':
      return fieldErrors.invalid(path, '', `${JSON.stringify(path)} must not validate the schema (not)`, kw);
    default:
      return fieldErrors.invalid(path, value, `${path} in body ${e.message ?? 'is invalid'}`, kw);
  }
}

/** OpenAPI schema errors, then list-type uniqueness errors, in document order. */
export function validateSchema(schema: CrdSchema, data: JsonValue): AdmissionError[] {
  const validate = compile(schema);
  const errors: AdmissionError[] = [];
  if (!validate(data)) {
    for (const e of validate.errors ?? []) {
      // A branch of oneOf/not failing is how those succeed; only anyOf's branch errors explain its failure.
      const c = composite(e.schemaPath);
      if ((c === 'oneOf' || c === 'not') && e.keyword !== c) continue;
      const converted = convert(e, data);
      if (converted !== undefined) errors.push(converted);
    }
  }
  validateListTypes(schema, data, '', errors);
  return errors;
}

function validateListTypes(schema: CrdSchema | undefined, value: JsonValue | undefined, path: string, errors: AdmissionError[]): void {
  if (schema === undefined || value === undefined || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    if (schema.type !== undefined && schema.type !== 'array') return;
    if (schema.listType === 'set') {
      const seen = new Set<string>();
      value.forEach((item, i) => {
        const key = JSON.stringify(item);
        if (seen.has(key)) errors.push(fieldErrors.duplicate(indexPath(path, i), item, 'x-kubernetes-list-type'));
        seen.add(key);
      });
    } else if (schema.listType === 'map' && schema.listMapKeys !== undefined) {
      const keys = schema.listMapKeys;
      const seen = new Set<string>();
      value.forEach((item, i) => {
        if (item === null || typeof item !== 'object' || Array.isArray(item)) return;
        const keyValue: Record<string, JsonValue> = {};
        for (const k of keys) {
          const v = item[k] ?? schema.items?.properties?.get(k)?.default;
          if (v !== undefined) keyValue[k] = v;
        }
        const id = JSON.stringify(keys.map((k) => keyValue[k] ?? null));
        if (seen.has(id)) errors.push(fieldErrors.duplicate(indexPath(path, i), keyValue, 'x-kubernetes-list-type'));
        seen.add(id);
      });
    }
    value.forEach((item, i) => validateListTypes(schema.items, item, indexPath(path, i), errors));
    return;
  }
  if (schema.type !== undefined && schema.type !== 'object') return;
  const additional = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  for (const [key, child] of Object.entries(value)) {
    const prop = schema.properties?.get(key);
    if (prop !== undefined) validateListTypes(prop, child, childPath(path, key), errors);
    else if (additional !== undefined) validateListTypes(additional, child, `${path}[${key}]`, errors);
  }
}
