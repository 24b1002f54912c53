// The on-disk cache of Envoy binaries: <dataHome>/envoy-versions/<version>/bin/envoy (same layout
// func-e uses under its versions/ dir). A version directory only ever appears through an atomic
// rename of a fully written staging directory that lives in the same parent (same filesystem), so
// readers see either nothing or a complete install, even with concurrent or interrupted runs.
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const ENVOY_VERSIONS_DIR_NAME = 'envoy-versions';
const STAGING_PREFIX = '.tmp-';
const TRASH_PREFIX = '.trash-';
/** Staging dirs older than this are leftovers of killed runs, never of a live one. */
export const STALE_STAGING_AGE_MS = 24 * 60 * 60 * 1000;

export function envoyVersionsDir(dataHome: string): string {
  return join(dataHome, ENVOY_VERSIONS_DIR_NAME);
}

export function envoyVersionDir(dataHome: string, version: string): string {
  return join(envoyVersionsDir(dataHome), version);
}

/** The path where the cached binary for a version lives (whether or not it exists yet). */
export function cachedEnvoyPath(dataHome: string, version: string): string {
  return join(envoyVersionDir(dataHome, version), 'bin', 'envoy');
}

function errnoCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return undefined;
}

/** Returns why `path` is not a runnable file, or undefined when it is one. */
export async function executableProblem(path: string): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) return `${path} is a directory, not the envoy binary`;
    if (!info.isFile()) return `${path} is not a regular file`;
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOENT' || code === 'ENOTDIR') return `${path} does not exist`;
    return `cannot read ${path}: ${code ?? String(err)}`;
  }
  try {
    await access(path, constants.X_OK);
  } catch {
    return `${path} is not executable (try: chmod +x ${path})`;
  }
  return undefined;
}

export async function isExecutableFile(path: string): Promise<boolean> {
  return (await executableProblem(path)) === undefined;
}

/** Creates a fresh private staging directory inside the versions dir (same filesystem as the target). */
export async function createStagingDir(dataHome: string, label: string): Promise<string> {
  const parent = envoyVersionsDir(dataHome);
  await mkdir(parent, { recursive: true });
  return mkdtemp(join(parent, `${STAGING_PREFIX}${label}-`));
}

export type InstallOutcome = 'installed' | 'already-present';

/**
 * Atomically moves a complete staged version directory (containing bin/envoy) into place.
 * If another process installed the same version first, its copy wins and ours is discarded.
 */
export async function installVersionDir(stagedDir: string, versionDir: string): Promise<InstallOutcome> {
  const stagedBinary = join(stagedDir, 'bin', 'envoy');
  const problem = await executableProblem(stagedBinary);
  if (problem !== undefined) throw new Error(`refusing to install an incomplete Envoy: ${problem}`);
  const existingBinary = join(versionDir, 'bin', 'envoy');

  if (await tryRename(stagedDir, versionDir)) return 'installed';
  if (await isExecutableFile(existingBinary)) {
    await rm(stagedDir, { recursive: true, force: true });
    return 'already-present';
  }

  // Something incomplete sits at the target (e.g. made by hand or by an older tool). Move it
  // aside rather than deleting in place, so the swap itself stays a single rename.
  const trash = join(dirname(versionDir), `${TRASH_PREFIX}${basename(versionDir)}-${randomBytes(4).toString('hex')}`);
  try {
    await rename(versionDir, trash);
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
  }
  try {
    if (await tryRename(stagedDir, versionDir)) return 'installed';
    if (await isExecutableFile(existingBinary)) {
      await rm(stagedDir, { recursive: true, force: true });
      return 'already-present';
    }
    throw new Error(`could not move Envoy into ${versionDir}: the directory keeps being replaced`);
  } finally {
    await rm(trash, { recursive: true, force: true });
  }
}

/** rename() that reports "target already exists" as false instead of throwing. */
async function tryRename(from: string, to: string): Promise<boolean> {
  try {
    await rename(from, to);
    return true;
  } catch (err) {
    const code = errnoCode(err);
    if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'EPERM') {
      return false;
    }
    throw err;
  }
}

/** Best-effort removal of staging/trash dirs left behind by runs that were killed. */
export async function removeStaleStagingDirs(dataHome: string, now: number = Date.now()): Promise<void> {
  const parent = envoyVersionsDir(dataHome);
  let entries: string[];
  try {
    entries = await readdir(parent);
  } catch {
    return;
  }
  for (const name of entries) {
    if (!name.startsWith(STAGING_PREFIX) && !name.startsWith(TRASH_PREFIX)) continue;
    const path = join(parent, name);
    try {
      const info = await stat(path);
      if (now - info.mtimeMs > STALE_STAGING_AGE_MS) await rm(path, { recursive: true, force: true });
    } catch {
      // Another run may be removing it concurrently; nothing to do.
    }
  }
}
