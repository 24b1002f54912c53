// The pinned Envoy version, read from the repository/package root's envoy-version.json.
// The file is looked up by walking up from this module, because the compiled module lives one
// directory deeper (dist/envoy/) than the source (envoy/), and the published package ships the
// JSON at its root (package.json "files").
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ENVOY_VERSION_FILE_NAME = 'envoy-version.json';

const PATCH_VERSION = /^[1-9][0-9]*\.[0-9]+\.[0-9]+$/;

/** Validates the parsed contents of envoy-version.json and returns its version. */
export function parseEnvoyVersionFile(json: unknown, source = ENVOY_VERSION_FILE_NAME): string {
  if (typeof json !== 'object' || json === null || !('version' in json)) {
    throw new Error(`${source}: expected an object with a "version" field`);
  }
  const { version } = json;
  if (typeof version !== 'string' || !PATCH_VERSION.test(version)) {
    throw new Error(`${source}: "version" must look like "1.38.3", got ${JSON.stringify(version)}`);
  }
  return version;
}

/** Finds envoy-version.json in startDir or its nearest ancestor. */
export function findEnvoyVersionFile(startDir: string): string {
  let dir = startDir;
  for (;;) {
    const candidate = join(dir, ENVOY_VERSION_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`${ENVOY_VERSION_FILE_NAME} not found in ${startDir} or any parent directory`);
    }
    dir = parent;
  }
}

function loadEnvoyVersion(): string {
  const file = findEnvoyVersionFile(dirname(fileURLToPath(import.meta.url)));
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  return parseEnvoyVersionFile(parsed, file);
}

/** The single pinned Envoy version (e.g. "1.38.3"). */
export const ENVOY_VERSION: string = loadEnvoyVersion();
