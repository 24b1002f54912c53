// SPDX-License-Identifier: Apache-2.0
//
// toAjvSchema: turns a structural CRD schema into the JSON Schema (draft-07) ajv checks.
// Unknown fields are not errors (the API server prunes them), int-or-string is a two-type union,
// `nullable` admits null, and formats Kubernetes does not check are dropped.

import type { CrdSchema } from './crd-model.js';
import { KUBERNETES_FORMATS } from './kubernetes-formats.js';

export type AjvSchema = Record<string, unknown>;

export function toAjvSchema(s: CrdSchema): AjvSchema {
  const out: AjvSchema = {};
  const types: string[] = [];
  if (s.intOrString === true) types.push('integer', 'string');
  else if (s.type !== undefined) types.push(s.type);
  if (types.length > 0) {
    if (s.nullable === true) types.push('null');
    out['type'] = types.length === 1 ? types[0] : types;
  }
  if (s.properties !== undefined) {
    const props: Record<string, AjvSchema> = {};
    for (const [name, sub] of s.properties) props[name] = toAjvSchema(sub);
    out['properties'] = props;
  }
  if (typeof s.additionalProperties === 'object') out['additionalProperties'] = toAjvSchema(s.additionalProperties);
  if (s.items !== undefined) out['items'] = toAjvSchema(s.items);
  if (s.required !== undefined && s.required.length > 0) out['required'] = s.required;
  if (s.enum !== undefined) out['enum'] = s.nullable === true && !s.enum.includes(null) ? [...s.enum, null] : s.enum;
  if (s.pattern !== undefined) out['pattern'] = s.pattern;
  if (s.format !== undefined && KUBERNETES_FORMATS.has(s.format)) out['format'] = s.format;
  for (const key of ['minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'multipleOf'] as const) {
    if (s[key] !== undefined) out[key] = s[key];
  }
  if (s.minimum !== undefined) out[s.exclusiveMinimum === true ? 'exclusiveMinimum' : 'minimum'] = s.minimum;
  if (s.maximum !== undefined) out[s.exclusiveMaximum === true ? 'exclusiveMaximum' : 'maximum'] = s.maximum;
  // int-or-string's anyOf only restates the two types; the union above covers it.
  if (s.intOrString !== true) {
    if (s.anyOf !== undefined) out['anyOf'] = s.anyOf.map(toAjvSchema);
    if (s.oneOf !== undefined) out['oneOf'] = s.oneOf.map(toAjvSchema);
  }
  if (s.allOf !== undefined) out['allOf'] = s.allOf.map(toAjvSchema);
  if (s.not !== undefined) out['not'] = toAjvSchema(s.not);
  return out;
}
