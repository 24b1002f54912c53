// SPDX-License-Identifier: Apache-2.0
//
// evaluateCelRules: runs every `x-kubernetes-validations` rule of a structural schema over an
// (already pruned and defaulted) object, like apiextensions-apiserver's CEL validator: a rule
// runs on each node where it is declared and present, with `self` bound to that node (a list
// rule sees the whole list, a rule on `items` runs once per element), and a failing rule reads
//
//   spec.rules: Invalid value: "array": rule name must be unique within the route
//
// where the quoted word is the node's schema type. Rules that use `oldSelf` (transition rules)
// never run on create and are skipped.

import { celEnv, isCelError, parse, plan, type CelInput, type CelResult } from '@bufbuild/cel';

import { fieldError, fieldErrors, type AdmissionError } from './admission-error.js';
import type { CrdSchema, ValidationRule } from './crd-model.js';
import { childPath, indexPath, keyPath } from './field-path.js';
import type { JsonValue } from './json-value.js';
import { KUBERNETES_CEL_FUNCS } from './kubernetes-cel-library.js';

const SOURCE = 'x-kubernetes-validations';
const env = celEnv({ funcs: [...KUBERNETES_CEL_FUNCS] });

type Program = (bindings: Record<string, CelInput>) => CelResult;
const programs = new Map<string, Program | Error>();

function compile(expr: string): Program | Error {
  let p = programs.get(expr);
  if (p === undefined) {
    try {
      const run = plan(env, parse(expr));
      p = (bindings) => run(bindings);
    } catch (err) {
      p = err instanceof Error ? err : new Error(String(err));
    }
    programs.set(expr, p);
  }
  return p;
}

/** The schema's value as CEL sees it: integers are int (bigint), numbers double. */
export function toCelValue(value: JsonValue, schema: CrdSchema | undefined): CelInput {
  if (value === null) return null;
  if (typeof value === 'number') {
    if (schema?.type === 'number') return value;
    return Number.isInteger(value) ? BigInt(value) : value;
  }
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => toCelValue(item, schema?.items));
  const additional = typeof schema?.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  const out: Record<string, CelInput> = {};
  for (const [key, child] of Object.entries(value)) {
    out[key] = toCelValue(child, schema?.properties?.get(key) ?? additional);
  }
  return out;
}

/** cel-go's words for the runtime errors Kubernetes prints (`no such key: x`). */
function celGoError(message: string): string {
  const noKey = /^field not found: (.*)$/.exec(message);
  if (noKey !== null) return `no such key: ${noKey[1] ?? ''}`;
  if (message.startsWith('found no matching overload')) return 'no such overload';
  if (message.includes('divide by zero')) return 'division by zero';
  const oob = /^index (-?\d+) out of bounds \[0, (-?\d+)\)$/.exec(message);
  if (oob !== null) return `index out of bounds: ${oob[1] ?? ''}`;
  return message;
}

function ruleErrorString(rule: ValidationRule): string {
  return rule.message !== undefined && rule.message.trim() !== '' ? rule.message.trim() : rule.rule.trim();
}

function ruleMessageOrDefault(rule: ValidationRule): string {
  return rule.message !== undefined && rule.message.trim() !== '' ? rule.message.trim() : `failed rule: ${rule.rule.trim()}`;
}

/** A rule's `fieldPath` (`.a.b`, `['k']`) appended to the node's path. */
function withRuleFieldPath(path: string, schema: CrdSchema, fieldPath: string | undefined): string {
  if (fieldPath === undefined || fieldPath === '') return path;
  let out = path;
  let s: CrdSchema | undefined = schema;
  const re = /\.([^.[\]]+)|\['((?:[^'\\]|\\.)*)'\]/g;
  for (let m = re.exec(fieldPath); m !== null; m = re.exec(fieldPath)) {
    const name = m[1] ?? (m[2] ?? '').replace(/\\(.)/g, '$1');
    if (s?.properties?.has(name) === true) {
      out = childPath(out, name);
      s = s.properties.get(name);
    } else {
      out = keyPath(out, name);
      s = typeof s?.additionalProperties === 'object' ? s.additionalProperties : undefined;
    }
  }
  return out;
}

function matchesType(schema: CrdSchema, value: JsonValue): boolean {
  if (schema.intOrString === true) return typeof value === 'number' || typeof value === 'string';
  switch (schema.type) {
    case undefined:
      return true;
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    default:
      return typeof value === schema.type;
  }
}

function evaluateRules(schema: CrdSchema, value: JsonValue, path: string, errors: AdmissionError[]): void {
  const schemaType = schema.type ?? '';
  let self: CelInput | undefined;
  for (const rule of schema.validations ?? []) {
    if (/\boldSelf\b/.test(rule.rule)) continue;
    const program = compile(rule.rule);
    if (program instanceof Error) {
      errors.push(fieldErrors.internal(path, `rule compile error: ${program.message}: ${rule.rule}`, SOURCE));
      continue;
    }
    self ??= toCelValue(value, schema);
    const result = program({ self });
    if (isCelError(result)) {
      const msg = celGoError(result.message);
      const detail =
        msg === 'no such overload'
          ? `'${msg}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(rule)}`
          : `${msg} evaluating rule: ${ruleErrorString(rule)}`;
      errors.push(fieldErrors.invalid(path, schemaType, detail, SOURCE));
      continue;
    }
    if (result === true) continue;
    const errPath = withRuleFieldPath(path, schema, rule.fieldPath);
    let detail = ruleMessageOrDefault(rule);
    if (rule.messageExpression !== undefined) {
      const mp = compile(rule.messageExpression);
      const m = mp instanceof Error ? undefined : mp({ self });
      if (typeof m === 'string' && m.trim() !== '' && !m.includes('\n')) detail = m.trim();
    }
    switch (rule.reason) {
      case 'FieldValueForbidden':
        errors.push(fieldErrors.forbidden(errPath, detail, SOURCE));
        break;
      case 'FieldValueRequired':
        errors.push(fieldErrors.required(errPath, detail, SOURCE));
        break;
      case 'FieldValueDuplicate':
        errors.push(fieldError(errPath, 'Duplicate', { value: schemaType }, '', SOURCE));
        break;
      default:
        errors.push(fieldErrors.invalid(errPath, schemaType, detail, SOURCE));
    }
  }
}

function walk(schema: CrdSchema | undefined, value: JsonValue | undefined, path: string, errors: AdmissionError[]): void {
  if (schema === undefined || value === undefined || value === null || !matchesType(schema, value)) return;
  evaluateRules(schema, value, path, errors);
  if (Array.isArray(value)) {
    value.forEach((item, i) => walk(schema.items, item, indexPath(path, i), errors));
  } else if (typeof value === 'object') {
    const additional = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
    for (const [key, child] of Object.entries(value)) {
      const prop = schema.properties?.get(key);
      if (prop !== undefined) walk(prop, child, childPath(path, key), errors);
      else if (additional !== undefined) walk(additional, child, keyPath(path, key), errors);
    }
  }
}

/** Every failing rule, in document order (parents before children). */
export function evaluateCelRules(schema: CrdSchema, value: JsonValue): AdmissionError[] {
  const errors: AdmissionError[] = [];
  walk(schema, value, '', errors);
  return errors;
}

