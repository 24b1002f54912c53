// SPDX-License-Identifier: Apache-2.0
//
// The API server's one-line rejection (apierrors.NewInvalid):
//
//   AIGatewayRoute.aigateway.envoyproxy.io "r" is invalid: spec.rules: Too many: 16: must have at most 15 items
//
// Several errors are joined like utilerrors.Aggregate: deduplicated, `[a, b]`.

import type { AdmissionError } from './admission-error.js';

export function formatInvalidObject(kind: string, group: string, name: string, errors: readonly AdmissionError[]): string {
  const qualifiedKind = group === '' ? kind : `${kind}.${group}`;
  const seen = new Set<string>();
  const messages: string[] = [];
  for (const e of errors) {
    if (seen.has(e.message)) continue;
    seen.add(e.message);
    messages.push(e.message);
  }
  const aggregate = messages.length === 1 ? (messages[0] ?? '') : `[${messages.join(', ')}]`;
  return `${qualifiedKind} ${JSON.stringify(name)} is invalid: ${aggregate}`;
}
