// SPDX-License-Identifier: Apache-2.0
//
// The schemas shipped in `crds/` (AI Gateway) and `crds/external/` (Gateway API, Envoy Gateway,
// core), looked up one kind at a time. `aigw run` needs only the kinds its file uses, and the
// large ones (MCPRoute, BackendSecurityPolicy: ~350 KB each) cost a few hundred milliseconds to
// parse, so each file is read on first use and kept.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { CrdModel } from './crd-model.js';
import { loadCrd } from './load-crd.js';

/** `crds/` of the package (this file is dist/compiler/admission/bundled-crds.js). */
export const BUNDLED_CRD_DIR = fileURLToPath(new URL('../../../crds/', import.meta.url));
const SEARCH_DIRS = [BUNDLED_CRD_DIR, join(BUNDLED_CRD_DIR, 'external')];

const cache = new Map<string, CrdModel | undefined>();

/**
 * The bundled schema for an object's apiVersion and kind, or undefined when aigw ships none
 * (another API group, or a kind the group does not have).
 */
export function bundledCrd(apiVersion: string, kind: string): CrdModel | undefined {
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const key = `${group}/${kind}`;
  if (cache.has(key)) return cache.get(key);
  // Files are named `<group>_<plural>.yaml` (`core_` for the core group), as kubebuilder writes them.
  const name = `${group === '' ? 'core' : group}_${plural(kind.toLowerCase())}.yaml`;
  const file = SEARCH_DIRS.map((dir) => join(dir, name)).find((path) => existsSync(path));
  const crd = file === undefined ? undefined : loadCrd(readFileSync(file, 'utf8'), file);
  // The file name is a convention; the kind inside is what counts.
  const found = crd !== undefined && crd.kind === kind && crd.group === group ? crd : undefined;
  cache.set(key, found);
  return found;
}

/** The default plural the API machinery derives for a lower-case kind (policy → policies, class → classes). */
export function plural(kind: string): string {
  if (/[^aeiou]y$/.test(kind)) return `${kind.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(kind)) return `${kind}es`;
  return `${kind}s`;
}
