// SPDX-License-Identifier: Apache-2.0
//
// A typed model of a CustomResourceDefinition (apiextensions.k8s.io/v1): just what admission
// validation needs. Built by loadCrd from YAML.

import type { JsonValue } from './json-value.js';

export type SchemaType = 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';

/** One `x-kubernetes-validations` entry. */
export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
  /** JSONPath relative to the node, e.g. `.spec.foo` or `['key']`. */
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

/** A structural OpenAPI v3 schema node (JSONSchemaProps), with the Kubernetes extensions. */
export interface CrdSchema {
  type?: SchemaType;
  format?: string;
  properties?: Map<string, CrdSchema>;
  additionalProperties?: CrdSchema | boolean;
  items?: CrdSchema;
  required?: string[];
  enum?: JsonValue[];
  default?: JsonValue;
  nullable?: boolean;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  uniqueItems?: boolean;
  anyOf?: CrdSchema[];
  oneOf?: CrdSchema[];
  allOf?: CrdSchema[];
  not?: CrdSchema;
  preserveUnknownFields?: boolean;
  intOrString?: boolean;
  embeddedResource?: boolean;
  listType?: 'atomic' | 'set' | 'map';
  listMapKeys?: string[];
  mapType?: 'granular' | 'atomic';
  validations?: ValidationRule[];
}

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  /** Absent only when the CRD has no schema for this version (not allowed in v1, tolerated here). */
  schema?: CrdSchema;
}

export interface CrdModel {
  /** The file it was read from, for messages. */
  file: string;
  /** metadata.name, `<plural>.<group>`. */
  name: string;
  group: string;
  kind: string;
  listKind?: string;
  plural: string;
  singular?: string;
  scope: 'Namespaced' | 'Cluster';
  versions: CrdVersion[];
}
