// SPDX-License-Identifier: Apache-2.0
//
// loadCrd: reads a CustomResourceDefinition manifest (apiextensions.k8s.io/v1) into the typed
// CrdModel. Every value is narrowed from `unknown`; anything malformed is an INTERNAL AigwError
// (crdLoadError) that names the file and the field.

import { parseAllDocuments } from 'yaml';

import { AigwError } from '../../common/errors.js';
import type { CrdModel, CrdSchema, CrdVersion, SchemaType, ValidationRule } from './crd-model.js';
import { isJsonObject, toJsonValue, type JsonValue } from './json-value.js';

/**
 * A malformed CRD manifest. INTERNAL, not CONFIG: the only CRDs aigw loads are the ones it ships
 * (bundled-crds.ts) and test fixtures, never a user's file, so a bad one is a bug in aigw's data.
 */
function crdLoadError(file: string, path: string, detail: string): AigwError {
  return new AigwError('INTERNAL', `${file}: ${path === '' ? '' : `${path}: `}${detail}`);
}

const SCHEMA_TYPES: readonly SchemaType[] = ['object', 'array', 'string', 'integer', 'number', 'boolean'];
const REASONS = ['FieldValueInvalid', 'FieldValueForbidden', 'FieldValueRequired', 'FieldValueDuplicate'] as const;

class Reader {
  constructor(readonly file: string) {}

  fail(path: string, detail: string): never {
    throw crdLoadError(this.file, path, detail);
  }

  object(value: unknown, path: string): Record<string, unknown> {
    if (!isJsonObject(value)) this.fail(path, 'must be an object');
    return value;
  }

  string(obj: Record<string, unknown>, key: string, path: string, required = false): string | undefined {
    const v = obj[key];
    if (v === undefined || v === null) {
      if (required) this.fail(`${path}.${key}`, 'required');
      return undefined;
    }
    if (typeof v !== 'string') this.fail(`${path}.${key}`, 'must be a string');
    return v;
  }

  bool(obj: Record<string, unknown>, key: string, path: string): boolean | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'boolean') this.fail(`${path}.${key}`, 'must be a boolean');
    return v;
  }

  number(obj: Record<string, unknown>, key: string, path: string): number | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.fail(`${path}.${key}`, 'must be a number');
    return v;
  }

  array(obj: Record<string, unknown>, key: string, path: string): unknown[] | undefined {
    const v = obj[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v)) this.fail(`${path}.${key}`, 'must be a list');
    const items: unknown[] = v;
    return items;
  }

  strings(obj: Record<string, unknown>, key: string, path: string): string[] | undefined {
    const items = this.array(obj, key, path);
    if (items === undefined) return undefined;
    return items.map((item, i) => {
      if (typeof item !== 'string') this.fail(`${path}.${key}[${i}]`, 'must be a string');
      return item;
    });
  }

  json(obj: Record<string, unknown>, key: string): JsonValue | undefined {
    const v = obj[key];
    return v === undefined ? undefined : toJsonValue(v);
  }

  schema(value: unknown, path: string): CrdSchema {
    const o = this.object(value, path);
    const s: CrdSchema = {};
    const type = this.string(o, 'type', path);
    if (type !== undefined && type !== '') {
      const known = SCHEMA_TYPES.find((t) => t === type);
      if (known === undefined) this.fail(`${path}.type`, `unsupported type "${type}"`);
      s.type = known;
    }
    const str = (key: string): string | undefined => this.string(o, key, path);
    const num = (key: string): number | undefined => this.number(o, key, path);
    const bool = (key: string): boolean | undefined => this.bool(o, key, path);
    const assign = <K extends keyof CrdSchema>(key: K, v: CrdSchema[K] | undefined): void => {
      if (v !== undefined) s[key] = v;
    };
    assign('format', str('format'));
    assign('pattern', str('pattern'));
    assign('nullable', bool('nullable'));
    assign('minLength', num('minLength'));
    assign('maxLength', num('maxLength'));
    assign('minItems', num('minItems'));
    assign('maxItems', num('maxItems'));
    assign('minProperties', num('minProperties'));
    assign('maxProperties', num('maxProperties'));
    assign('minimum', num('minimum'));
    assign('maximum', num('maximum'));
    assign('exclusiveMinimum', bool('exclusiveMinimum'));
    assign('exclusiveMaximum', bool('exclusiveMaximum'));
    assign('multipleOf', num('multipleOf'));
    assign('uniqueItems', bool('uniqueItems'));
    assign('required', this.strings(o, 'required', path));
    assign('default', this.json(o, 'default'));
    const enumValues = this.array(o, 'enum', path);
    if (enumValues !== undefined) s.enum = enumValues.map((v) => toJsonValue(v) ?? null);

    const props = o['properties'];
    if (props !== undefined && props !== null) {
      const po = this.object(props, `${path}.properties`);
      s.properties = new Map();
      for (const [name, sub] of Object.entries(po)) {
        s.properties.set(name, this.schema(sub, `${path}.properties.${name}`));
      }
    }
    const ap = o['additionalProperties'];
    if (typeof ap === 'boolean') s.additionalProperties = ap;
    else if (ap !== undefined && ap !== null) s.additionalProperties = this.schema(ap, `${path}.additionalProperties`);
    if (o['items'] !== undefined && o['items'] !== null) s.items = this.schema(o['items'], `${path}.items`);
    for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
      const list = this.array(o, key, path);
      if (list !== undefined) s[key] = list.map((sub, i) => this.schema(sub, `${path}.${key}[${i}]`));
    }
    if (o['not'] !== undefined && o['not'] !== null) s.not = this.schema(o['not'], `${path}.not`);

    assign('preserveUnknownFields', bool('x-kubernetes-preserve-unknown-fields'));
    assign('intOrString', bool('x-kubernetes-int-or-string'));
    assign('embeddedResource', bool('x-kubernetes-embedded-resource'));
    const listType = str('x-kubernetes-list-type');
    if (listType !== undefined) {
      if (listType !== 'atomic' && listType !== 'set' && listType !== 'map') {
        this.fail(`${path}.x-kubernetes-list-type`, `unsupported value "${listType}"`);
      }
      s.listType = listType;
    }
    assign('listMapKeys', this.strings(o, 'x-kubernetes-list-map-keys', path));
    const mapType = str('x-kubernetes-map-type');
    if (mapType === 'granular' || mapType === 'atomic') s.mapType = mapType;
    const rules = this.array(o, 'x-kubernetes-validations', path);
    if (rules !== undefined) {
      s.validations = rules.map((r, i) => this.rule(r, `${path}.x-kubernetes-validations[${i}]`));
    }
    return s;
  }

  rule(value: unknown, path: string): ValidationRule {
    const o = this.object(value, path);
    const rule: ValidationRule = { rule: this.string(o, 'rule', path, true) ?? '' };
    const message = this.string(o, 'message', path);
    if (message !== undefined) rule.message = message;
    const messageExpression = this.string(o, 'messageExpression', path);
    if (messageExpression !== undefined) rule.messageExpression = messageExpression;
    const fieldPath = this.string(o, 'fieldPath', path);
    if (fieldPath !== undefined) rule.fieldPath = fieldPath;
    const optionalOldSelf = this.bool(o, 'optionalOldSelf', path);
    if (optionalOldSelf !== undefined) rule.optionalOldSelf = optionalOldSelf;
    const reason = this.string(o, 'reason', path);
    if (reason !== undefined) {
      const known = REASONS.find((r) => r === reason);
      if (known === undefined) this.fail(`${path}.reason`, `unsupported reason "${reason}"`);
      rule.reason = known;
    }
    return rule;
  }
}

/** Reads the first CustomResourceDefinition document of `text` (other documents are ignored). */
export function loadCrd(text: string, file: string): CrdModel {
  let root: Record<string, unknown> | undefined;
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw crdLoadError(file, '', `YAML: ${doc.errors[0]?.message ?? 'syntax error'}`);
    const js: unknown = doc.toJS();
    if (isJsonObject(js) && js['kind'] === 'CustomResourceDefinition') {
      root = js;
      break;
    }
  }
  if (root === undefined) throw crdLoadError(file, '', 'no CustomResourceDefinition document found');
  return readCrd(root, file);
}

/**
 * Reads a CustomResourceDefinition already decoded (from YAML, or from the JSON the build
 * prepares, see scripts/gen-admission.mjs) into the typed model.
 */
export function readCrd(root: unknown, file: string): CrdModel {
  const r: Reader = new Reader(file);
  if (!isJsonObject(root)) r.fail('', 'must be an object');
  const apiVersion = r.string(root, 'apiVersion', '', true);
  if (apiVersion !== 'apiextensions.k8s.io/v1') r.fail('apiVersion', `unsupported "${apiVersion ?? ''}", want apiextensions.k8s.io/v1`);
  const metadata = r.object(root['metadata'], 'metadata');
  const spec = r.object(root['spec'], 'spec');
  const names = r.object(spec['names'], 'spec.names');
  const scope = r.string(spec, 'scope', 'spec', true);
  if (scope !== 'Namespaced' && scope !== 'Cluster') r.fail('spec.scope', `unsupported value "${scope ?? ''}"`);
  const versions = r.array(spec, 'versions', 'spec') ?? r.fail('spec.versions', 'required');
  const crd: CrdModel = {
    file,
    name: r.string(metadata, 'name', 'metadata', true) ?? '',
    group: r.string(spec, 'group', 'spec', true) ?? '',
    kind: r.string(names, 'kind', 'spec.names', true) ?? '',
    plural: r.string(names, 'plural', 'spec.names', true) ?? '',
    scope,
    versions: versions.map((v, i): CrdVersion => {
      const path = `spec.versions[${i}]`;
      const vo = r.object(v, path);
      const version: CrdVersion = {
        name: r.string(vo, 'name', path, true) ?? '',
        served: r.bool(vo, 'served', path) ?? false,
        storage: r.bool(vo, 'storage', path) ?? false,
      };
      const schema = vo['schema'];
      if (schema !== undefined && schema !== null) {
        const so = r.object(schema, `${path}.schema`);
        if (so['openAPIV3Schema'] !== undefined) {
          version.schema = r.schema(so['openAPIV3Schema'], `${path}.schema.openAPIV3Schema`);
        }
      }
      return version;
    }),
  };
  const listKind = r.string(names, 'listKind', 'spec.names');
  if (listKind !== undefined) crd.listKind = listKind;
  const singular = r.string(names, 'singular', 'spec.names');
  if (singular !== undefined) crd.singular = singular;
  return crd;
}
