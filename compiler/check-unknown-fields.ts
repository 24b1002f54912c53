// SPDX-License-Identifier: Apache-2.0
//
// Unknown fields, judged against the bundled schemas for every command alike. A field the schema
// does not declare is almost always a typo (`backendRef` for `backendRefs`, `schemaa`) that the
// API server would silently drop by default; dropping it here would run a gateway that differs
// from the file without a word, so `validate`, `translate` and `run` all refuse it, as the API
// server does under strict field validation and as upstream aigw run does.

import { bundledCrd } from './admission/bundled-crds.js';
import { findUnknownFields } from './admission/unknown-fields.js';
import { formatFieldPath, type Diagnostic } from './diagnostic.js';
import { didYouMean, listNames } from './did-you-mean.js';
import type { SourceDocument } from './load-documents.js';

/** One error per field the bundled schema of its kind does not declare. */
export function checkUnknownFields(documents: readonly SourceDocument[]): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const document of documents) {
    const { apiVersion, kind, metadata } = document.value;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string') continue;
    const crd = bundledCrd(apiVersion, kind);
    const version = crd?.versions.find((v) => (crd.group === '' ? v.name : `${crd.group}/${v.name}`) === apiVersion);
    if (version?.schema === undefined) continue;
    const name = typeof metadata === 'object' && metadata !== null && 'name' in metadata && typeof metadata.name === 'string' ? metadata.name : '';
    for (const field of findUnknownFields(version.schema, document.value)) {
      const typed = String(field.path[field.path.length - 1]);
      const position = document.positionOf(field.path);
      diagnostics.push({
        severity: 'error',
        file: document.file,
        ...(position ? { line: position.line, column: position.column } : {}),
        resource: `${kind} ${JSON.stringify(name)}`,
        path: formatFieldPath(field.path),
        message: `unknown field ${JSON.stringify(typed)}`,
        hint: didYouMean(typed, field.known) ?? (field.known.length > 0 ? `remove it, or use one of the fields known here: ${listNames(field.known)}` : 'remove it: nothing can be set here'),
        category: 'unknown',
      });
    }
  }
  return diagnostics;
}
