/**
 * Where the upstream (Envoy AI Gateway) fixtures live: test/fixtures/upstream in this repository,
 * vendored with their licence and provenance (test/fixtures/NOTICE.md), so `npm test` needs nothing
 * outside the clone. `AIGW_UPSTREAM_DIR` points the same tests at another copy laid out the same
 * way (e.g. a fuller upstream corpus). Paths resolve from the compiled file in dist/test/support/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Root of the upstream fixtures: examples/, autoconfig/, crdcel/, cassettes/, spans/. */
export const UPSTREAM_DIR = process.env.AIGW_UPSTREAM_DIR ?? fileURLToPath(new URL('../../../test/fixtures/upstream/', import.meta.url));

/** A directory (or file) under the upstream fixtures, e.g. `upstreamPath('crdcel', 'EXPECTED.md')`. */
export function upstreamPath(...parts: string[]): string {
  return join(UPSTREAM_DIR, ...parts);
}

/**
 * The reason to skip a suite whose fixtures are absent from an `AIGW_UPSTREAM_DIR` copy (which may
 * hold only some corpora), or false. The vendored copy is part of the repository, so without the
 * override this is always false: a missing vendored file is a broken checkout and must fail.
 */
export function missingFixtures(...paths: string[]): string | false {
  if (process.env.AIGW_UPSTREAM_DIR === undefined) return false;
  const missing = paths.filter((path) => !existsSync(path));
  return missing.length === 0 ? false : `upstream fixtures not found under AIGW_UPSTREAM_DIR: ${missing.join(', ')}`;
}
