// SPDX-License-Identifier: Apache-2.0
//
// CrdRegistry: the CRDs of a directory (e.g. `crds/*.yaml`), looked up by an object's
// apiVersion group and kind.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { CrdModel } from './crd-model.js';
import { loadCrd } from './load-crd.js';

export class CrdRegistry {
  private readonly byGroupKind = new Map<string, CrdModel>();

  constructor(crds: Iterable<CrdModel> = []) {
    for (const crd of crds) this.add(crd);
  }

  /** Loads every `*.yaml`/`*.yml` CRD file of `dir` (sorted by name). */
  static fromDirectory(dir: string): CrdRegistry {
    const files = readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
    return new CrdRegistry(files.map((f) => loadCrd(readFileSync(join(dir, f), 'utf8'), join(dir, f))));
  }

  add(crd: CrdModel): void {
    this.byGroupKind.set(`${crd.group}/${crd.kind}`, crd);
  }

  get crds(): CrdModel[] {
    return [...this.byGroupKind.values()];
  }

  /** The CRD for an object's `apiVersion` (`group/version`) and `kind`. */
  lookup(apiVersion: string, kind: string): CrdModel | undefined {
    const slash = apiVersion.lastIndexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    return this.byGroupKind.get(`${group}/${kind}`);
  }
}
