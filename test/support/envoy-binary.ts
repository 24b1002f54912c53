/**
 * The pinned Envoy binary for tests that start Envoy themselves (not through `aigw run`): the one
 * in aigw's cache (`$AIGW_DATA_HOME`, else ~/.local/share/aigw), as `aigw run` downloads it.
 * `ENVOY_BINARY_MISSING` says why such tests skip when it is not there.
 */
import { accessSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { cachedEnvoyPath } from '../../envoy/envoy-cache.js';
import { ENVOY_VERSION } from '../../envoy/envoy-version.js';

const dataHome = process.env.AIGW_DATA_HOME || join(process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'aigw');

export const ENVOY_BINARY: string = process.env.AIGW_TEST_ENVOY_BINARY ?? cachedEnvoyPath(dataHome, ENVOY_VERSION);

function missing(): string | undefined {
  try {
    accessSync(ENVOY_BINARY, constants.X_OK);
    return undefined;
  } catch {
    return `no Envoy ${ENVOY_VERSION} at ${ENVOY_BINARY} (run \`aigw download-envoy\` first)`;
  }
}

export const ENVOY_BINARY_MISSING: string | undefined = missing();
