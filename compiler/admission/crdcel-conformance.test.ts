// SPDX-License-Identifier: Apache-2.0
//
// Runs the upstream CRD-validation calibration cases (test/fixtures/upstream/crdcel,
// listed in its EXPECTED.md) against the CRDs in crds/: each object must be accepted, or rejected
// with an error containing the quoted text. Skipped, with the reason, when either is missing.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { parse } from 'yaml';

import { CrdRegistry } from './crd-registry.js';
import { isJsonObject } from './json-value.js';
import { validateObject } from './validate-object.js';
import { missingFixtures, upstreamPath } from '../../test/support/upstream-fixtures.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const casesDir = upstreamPath('crdcel');
const crdsDir = join(repoRoot, 'crds');

export interface CalibrationCase {
  file: string;
  expected: 'accept' | 'reject';
  contains: string;
}

/** The table rows of EXPECTED.md: `| file | accept/reject | \`text\` |`. */
export function parseExpected(markdown: string): CalibrationCase[] {
  const cases: CalibrationCase[] = [];
  for (const line of markdown.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    // ['', file, expected, contains, '']
    const [, file, expected, contains] = cells;
    if (file === undefined || expected === undefined || !file.endsWith('.yaml')) continue;
    if (expected !== 'accept' && expected !== 'reject') continue;
    cases.push({ file, expected, contains: (contains ?? '').replace(/^`|`$/g, '') });
  }
  return cases;
}

function skipReason(): string | undefined {
  const missing = missingFixtures(join(casesDir, 'EXPECTED.md'));
  if (missing !== false) return missing;
  if (!existsSync(crdsDir) || !readdirSync(crdsDir).some((f) => f.endsWith('.yaml'))) return `no CRD manifests in ${crdsDir}`;
  return undefined;
}

const reason = skipReason();

describe('crdcel calibration cases (upstream CRD validation)', { skip: reason ?? false }, () => {
  if (reason !== undefined) return;
  const registry = CrdRegistry.fromDirectory(crdsDir);
  const cases = parseExpected(readFileSync(join(casesDir, 'EXPECTED.md'), 'utf8'));

  it('lists cases', () => {
    assert.ok(cases.length >= 10, `only ${cases.length} cases parsed from EXPECTED.md`);
  });

  for (const c of cases) {
    it(`${c.file}: ${c.expected}`, () => {
      const object: unknown = parse(readFileSync(join(casesDir, c.file), 'utf8'));
      assert.ok(isJsonObject(object), 'case is not an object');
      const apiVersion = object['apiVersion'];
      const kind = object['kind'];
      assert.ok(typeof apiVersion === 'string' && typeof kind === 'string');
      const crd = registry.lookup(apiVersion, kind);
      assert.ok(crd !== undefined, `no CRD for ${kind} in ${apiVersion}`);
      const result = validateObject(crd, object);
      if (c.expected === 'accept') {
        assert.deepEqual(result.errors.map((e) => e.message), [], result.rejection);
      } else {
        assert.equal(result.valid, false, 'expected a rejection');
        assert.ok(
          result.errors.some((e) => e.message.includes(c.contains)),
          `no error contains ${JSON.stringify(c.contains)}; got:\n${result.errors.map((e) => e.message).join('\n')}`,
        );
        assert.ok(result.rejection?.includes(c.contains));
      }
    });
  }
});
