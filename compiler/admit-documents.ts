// SPDX-License-Identifier: Apache-2.0
//
// Admission, the first check of every command (`validate`, `translate`, `run`): each document
// whose kind aigw ships a schema for (crds/, crds/external/) goes through what the API server
// does on create: served version, metadata, OpenAPI schema, list types and the CEL rules
// (x-kubernetes-validations). A rejected document stops there, as in a cluster, where the
// controller never sees an object the API server refused; so the readers (compiler/resources/)
// only check what the CRDs cannot say, and each problem is reported once, by one of the two.
//
// Unknown fields are the one place aigw is stricter than the API server's default: the server
// prunes them with a warning, aigw refuses them (a typo would otherwise run a gateway that
// differs from the file without a word), as under strict field validation. The document still
// goes on to the readers, pruned, so its other problems are reported in the same run.

import { bundledCrd } from './admission/bundled-crds.js';
import { deleteFields, type UnknownField } from './admission/unknown-fields.js';
import { validateObject } from './admission/validate-object.js';
import { formatFieldPath, type Diagnostic } from './diagnostic.js';
import { didYouMean, listNames } from './did-you-mean.js';
import type { SourceDocument } from './load-documents.js';
import { parseFieldPath } from './parse-field-path.js';
import { isRecord } from '../common/json-guards.js';

/**
 * Fields no schema declares that aigw takes anyway, so they are neither refused nor pruned and
 * their reader decides (it warns). Upstream's own autoconfig writes AIServiceBackend
 * `spec.timeouts`, which the API server prunes: refusing it would refuse upstream's own output.
 */
const TOLERATED_UNKNOWN_FIELDS: readonly { kind: string; path: string }[] = [{ kind: 'AIServiceBackend', path: 'spec.timeouts' }];

export interface Admission {
  /** Every admission problem: rejections in the API server's words, and unknown fields. */
  diagnostics: Diagnostic[];
  /**
   * What the readers take, in input order: the documents admission did not reject, pruned of
   * the unknown fields reported here, and the documents without a bundled schema (other APIs,
   * malformed ones) as they are, which the readers judge.
   */
  admitted: SourceDocument[];
}

/** Runs admission over every document; never throws for bad input. */
export function admitDocuments(documents: readonly SourceDocument[]): Admission {
  const diagnostics: Diagnostic[] = [];
  const admitted: SourceDocument[] = [];
  for (const document of documents) {
    const { apiVersion, kind, metadata } = document.value;
    // No schema to judge by (another API group, a kind its group does not have, no kind at all):
    // the readers say what aigw makes of it, `no matches for kind` included.
    const crd = typeof apiVersion === 'string' && typeof kind === 'string' ? bundledCrd(apiVersion, kind) : undefined;
    if (crd === undefined || typeof kind !== 'string') {
      admitted.push(document);
      continue;
    }
    const name = isRecord(metadata) && typeof metadata.name === 'string' ? metadata.name : '';
    const where = (path: readonly (string | number)[]): { file: string; line?: number; column?: number } => {
      const position = document.positionOf(path);
      return { file: document.file, ...(position ? { line: position.line, column: position.column } : {}) };
    };
    const result = validateObject(crd, document.value);
    const prefix = `${crd.group ? `${kind}.${crd.group}` : kind} ${JSON.stringify(name)} is invalid: `;
    for (const error of result.errors) {
      const hint = error.type === 'Unsupported' && typeof error.value === 'string' && error.supported ? didYouMean(error.value, error.supported.filter((v) => typeof v === 'string')) : undefined;
      diagnostics.push({ severity: 'error', ...where(parseFieldPath(error.path)), message: `${prefix}${error.message}`, ...(hint ? { hint } : {}) });
    }
    const refused = result.unknownFields.filter((field) => !TOLERATED_UNKNOWN_FIELDS.some((t) => t.kind === kind && t.path === field.fieldPath));
    for (const field of refused) diagnostics.push(unknownFieldDiagnostic(document, `${kind} ${JSON.stringify(name)}`, field));
    if (result.errors.length > 0) continue;
    if (refused.length === 0) {
      admitted.push(document);
      continue;
    }
    const value = structuredClone(document.value);
    deleteFields(value, refused);
    admitted.push({ file: document.file, index: document.index, value, positionOf: (path) => document.positionOf(path) });
  }
  return { diagnostics, admitted };
}

function unknownFieldDiagnostic(document: SourceDocument, resource: string, field: UnknownField): Diagnostic {
  const typed = String(field.path[field.path.length - 1]);
  const position = document.positionOf(field.path);
  return {
    severity: 'error',
    file: document.file,
    ...(position ? { line: position.line, column: position.column } : {}),
    resource,
    path: formatFieldPath(field.path),
    message: `unknown field ${JSON.stringify(typed)}`,
    hint: didYouMean(typed, field.known) ?? (field.known.length > 0 ? `remove it, or use one of the fields known here: ${listNames(field.known)}` : 'remove it: nothing can be set here'),
    category: 'unknown',
  };
}
