// SPDX-License-Identifier: Apache-2.0
//
// Test helpers: the fixture CRD and objects in __fixtures__/ (read from the source tree).

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { parse } from 'yaml';

import type { CrdModel } from '../../compiler/admission/crd-model.js';
import { isJsonObject } from '../../compiler/admission/json-value.js';
import { loadCrd } from '../../compiler/admission/load-crd.js';

export const fixturesDir = fileURLToPath(new URL('../../../compiler/admission/__fixtures__/', import.meta.url));

export function readFixture(name: string): string {
  return readFileSync(fixturesDir + name, 'utf8');
}

export function widgetCrd(): CrdModel {
  return loadCrd(readFixture('widgets.example.com.yaml'), 'widgets.example.com.yaml');
}

/** A fresh copy of the valid Widget. */
export function validWidget(): Record<string, unknown> {
  const o: unknown = parse(readFixture('widget-valid.yaml'));
  if (!isJsonObject(o)) throw new Error('widget-valid.yaml is not an object');
  return o;
}

/** The spec of an object built by validWidget (always an object there). */
export function specOf(o: Record<string, unknown>): Record<string, unknown> {
  const spec = o['spec'];
  if (!isJsonObject(spec)) throw new Error('no spec');
  return spec;
}
