// SPDX-License-Identifier: Apache-2.0
//
// Offline Kubernetes admission for custom resources: CRD loading, OpenAPI + CEL validation,
// defaulting and pruning, with the API server's messages.

export type { AdmissionError, AdmissionErrorType } from './admission-error.js';
export type { CrdModel, CrdSchema, CrdVersion, ValidationRule } from './crd-model.js';
export { CrdLoadError, loadCrd } from './load-crd.js';
export { CrdRegistry } from './crd-registry.js';
export { validateObject, type AdmissionResult } from './validate-object.js';
export { formatInvalidObject } from './format-invalid-object.js';
export { evaluateCelRules } from './evaluate-cel-rules.js';
export { validateSchema } from './validate-schema.js';
export { applyDefaults } from './apply-defaults.js';
export { pruneUnknownFields } from './prune-unknown-fields.js';
