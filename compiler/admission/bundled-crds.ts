// SPDX-License-Identifier: Apache-2.0
//
// The schemas shipped in `crds/` (AI Gateway) and `crds/external/` (Gateway API, Envoy Gateway,
// core), looked up one kind at a time and kept for the life of the process: a command needs only
// the kinds its files use. Each is read from what the build prepared (scripts/gen-admission.mjs:
// JSON instead of YAML, ajv's validators as code), which is what makes admission cheap; without
// it (a CRD edited since the build, a dist built by tsc alone) the YAML is read and the
// validators are compiled on first use, with the same result.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { ValidateFunction } from 'ajv';

import type { CrdModel } from './crd-model.js';
import { isJsonObject } from './json-value.js';
import { loadCrd, readCrd } from './load-crd.js';
import { AJV_FORMATS, usePreparedValidator } from './validate-schema.js';

/** `crds/` of the package (this file is dist/compiler/admission/bundled-crds.js). */
export const BUNDLED_CRD_DIR = fileURLToPath(new URL('../../../crds/', import.meta.url));
const SEARCH_DIRS = [BUNDLED_CRD_DIR, join(BUNDLED_CRD_DIR, 'external')];
/** Where scripts/gen-admission.mjs writes (dist/compiler/admission/prepared/). */
const PREPARED_DIR = fileURLToPath(new URL('./prepared/', import.meta.url));
const require = createRequire(import.meta.url);

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
  const crd = file === undefined ? undefined : loadBundledCrd(file);
  // The file name is a convention; the kind inside is what counts.
  const found = crd !== undefined && crd.kind === kind && crd.group === group ? crd : undefined;
  cache.set(key, found);
  return found;
}

function loadBundledCrd(file: string): CrdModel {
  const text = readFileSync(file, 'utf8');
  const base = basename(file).replace(/\.ya?ml$/, '');
  const preparedPath = join(PREPARED_DIR, `${base}.json`);
  if (!existsSync(preparedPath)) return loadCrd(text, file);
  const prepared: unknown = JSON.parse(readFileSync(preparedPath, 'utf8'));
  // Prepared from other YAML than is there now: the YAML wins.
  const sha256 = createHash('sha256').update(text).digest('hex');
  if (!isJsonObject(prepared) || prepared['sha256'] !== sha256) return loadCrd(text, file);
  const crd = readCrd(prepared['crd'], file);
  for (const version of crd.versions) {
    const code = join(PREPARED_DIR, `${base}.${version.name}.cjs`);
    if (version.schema === undefined || !existsSync(code)) continue;
    const factory: unknown = require(code);
    if (isValidatorFactory(factory)) usePreparedValidator(version.schema, factory(AJV_FORMATS));
  }
  return crd;
}

/** What each prepared `.cjs` exports (scripts/gen-admission.mjs writes nothing else there). */
function isValidatorFactory(value: unknown): value is (formats: typeof AJV_FORMATS) => ValidateFunction {
  return typeof value === 'function';
}

/** The default plural the API machinery derives for a lower-case kind (policy → policies, class → classes). */
export function plural(kind: string): string {
  if (/[^aeiou]y$/.test(kind)) return `${kind.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/.test(kind)) return `${kind}es`;
  return `${kind}s`;
}
