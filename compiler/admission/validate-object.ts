// SPDX-License-Identifier: Apache-2.0
//
// validateObject: what the API server's admission does to a custom resource on create, offline:
//   1. pick the served version named by apiVersion;
//   2. prune fields the schema does not declare (returned as `unknown field "…"` warnings, and
//      as `unknownFields` for callers that refuse them);
//   3. apply schema defaults (returned in `defaulted`);
//   4. check metadata.name, the OpenAPI schema (ajv) and list-type uniqueness;
//   5. evaluate every x-kubernetes-validations CEL rule.
// Every problem is collected; `rejection` is the one-line message the API server would return.

import { fieldErrors, type AdmissionError } from './admission-error.js';
import { applyDefaults } from './apply-defaults.js';
import type { CrdModel, CrdVersion } from './crd-model.js';
import { evaluateCelRules } from './evaluate-cel-rules.js';
import { formatInvalidObject } from './format-invalid-object.js';
import { isJsonObject, toJsonValue, type JsonValue } from './json-value.js';
import { deleteFields, findUnknownFields, type UnknownField } from './unknown-fields.js';
import { validateSchema } from './validate-schema.js';

export interface AdmissionResult {
  valid: boolean;
  /** The object as it would be stored: pruned and defaulted (the input is not modified). */
  defaulted: unknown;
  errors: AdmissionError[];
  /** Server-side field validation warnings, e.g. `unknown field "spec.foo"`. */
  warnings: string[];
  /** The pruned fields behind those warnings, with the names declared where each was found. */
  unknownFields: UnknownField[];
  /** The version the object was validated against, when apiVersion named a served one. */
  version?: string;
  /** `<Kind>.<group> "<name>" is invalid: …` when not valid. */
  rejection?: string;
}

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function validateMetadata(obj: Record<string, JsonValue>): AdmissionError[] {
  const metadata = obj['metadata'];
  const meta = isJsonObject(metadata) ? metadata : {};
  const name = meta['name'];
  const generateName = meta['generateName'];
  if (name === undefined || name === null || name === '') {
    if (typeof generateName === 'string' && generateName !== '') return [];
    return [fieldErrors.required('metadata.name', 'name or generateName is required', 'metadata')];
  }
  if (typeof name !== 'string') return [fieldErrors.invalid('metadata.name', name, 'must be a string', 'metadata')];
  const errors: AdmissionError[] = [];
  if (name.length > 253) errors.push(fieldErrors.invalid('metadata.name', name, 'must be no more than 253 characters', 'metadata'));
  if (!DNS1123_SUBDOMAIN.test(name)) {
    errors.push(
      fieldErrors.invalid(
        'metadata.name',
        name,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
        'metadata',
      ),
    );
  }
  return errors;
}

/** The served version `apiVersion` names, or the errors saying why there is none. */
function selectVersion(crd: CrdModel, obj: Record<string, JsonValue>): CrdVersion | AdmissionError[] {
  const served = crd.versions.filter((v) => v.served);
  const apiVersion = obj['apiVersion'];
  const kind = obj['kind'];
  const errors: AdmissionError[] = [];
  if (typeof kind !== 'string' || kind === '') errors.push(fieldErrors.required('kind', '', 'kind'));
  else if (kind !== crd.kind) errors.push(fieldErrors.notSupported('kind', kind, [crd.kind], 'kind'));
  const supported = served.map((v) => apiVersionOf(crd.group, v.name));
  let version: CrdVersion | undefined;
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    errors.push(fieldErrors.required('apiVersion', '', 'apiVersion'));
  } else {
    version = served.find((v) => apiVersionOf(crd.group, v.name) === apiVersion);
    if (version === undefined) errors.push(fieldErrors.notSupported('apiVersion', apiVersion, supported, 'apiVersion'));
  }
  return errors.length > 0 || version === undefined ? errors : version;
}

export function validateObject(crd: CrdModel, object: unknown): AdmissionResult {
  const input = toJsonValue(object);
  const name = isJsonObject(object) && isJsonObject(object['metadata']) ? object['metadata']['name'] : undefined;
  const finish = (result: Omit<AdmissionResult, 'valid' | 'rejection'>): AdmissionResult => {
    const valid = result.errors.length === 0;
    const out: AdmissionResult = { valid, ...result };
    if (!valid) out.rejection = formatInvalidObject(crd.kind, crd.group, typeof name === 'string' ? name : '', result.errors);
    return out;
  };
  if (input === undefined || !isJsonObject(input)) {
    return finish({ defaulted: input, errors: [fieldErrors.invalid('', input, 'must be an object', 'type')], warnings: [], unknownFields: [] });
  }
  const obj: Record<string, JsonValue> = structuredClone(input);
  const selected = selectVersion(crd, obj);
  if (Array.isArray(selected)) return finish({ defaulted: obj, errors: selected, warnings: [], unknownFields: [] });
  const schema = selected.schema;
  const unknownFields = schema === undefined ? [] : findUnknownFields(schema, obj);
  deleteFields(obj, unknownFields);
  const warnings = unknownFields.map((field) => `unknown field ${JSON.stringify(field.fieldPath)}`);
  if (schema !== undefined) applyDefaults(schema, obj);
  const errors = [...validateMetadata(obj)];
  if (schema !== undefined) errors.push(...validateSchema(schema, obj), ...evaluateCelRules(schema, obj));
  return finish({ defaulted: obj, errors, warnings, unknownFields, version: selected.name });
}

/** `group/version`, or just `version` for the core group (`v1`). */
function apiVersionOf(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}
