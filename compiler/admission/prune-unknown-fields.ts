// SPDX-License-Identifier: Apache-2.0
//
// pruneUnknownFields: drops the fields a structural schema does not declare, like the API server
// does on decode, and returns the server-side field validation warnings for them
// (`unknown field "spec.foo"`, what kubectl prints as `Warning: unknown field …`).

import type { CrdSchema } from './crd-model.js';
import type { JsonValue } from './json-value.js';
import { deleteFields, findUnknownFields } from './unknown-fields.js';

/** Mutates `value` in place; returns the warnings in document order. */
export function pruneUnknownFields(schema: CrdSchema, value: JsonValue, root = true): string[] {
  const unknown = findUnknownFields(schema, value, root);
  deleteFields(value, unknown);
  return unknown.map((field) => `unknown field ${JSON.stringify(field.fieldPath)}`);
}
