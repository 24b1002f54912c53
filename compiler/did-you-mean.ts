// SPDX-License-Identifier: Apache-2.0
//
// "did you mean" hints for names the user typed (field names, kinds, enum values), shared by the
// compiler and `aigw validate` so both suggest the same fix for the same typo.

import { closestName } from '../common/closest-name.js';

/** `did you mean "backendRefs"?`, or undefined when no candidate is close enough to be the obvious fix. */
export function didYouMean(typed: string, candidates: readonly string[]): string | undefined {
  const near = closestName(typed, candidates.filter((candidate) => candidate !== typed));
  return near === undefined ? undefined : `did you mean ${JSON.stringify(near)}?`;
}

/** `a, b, c` with at most `limit` names, then `, …`: enough to spot the right one without a wall of text. */
export function listNames(names: readonly string[], limit = 12): string {
  return names.length <= limit ? names.join(', ') : `${names.slice(0, limit).join(', ')}, …`;
}
