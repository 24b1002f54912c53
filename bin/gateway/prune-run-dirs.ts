import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { AigwDirs } from './aigw-dirs.js';
import { isRunLockHeld, RUN_LOCK_FILE } from './run-lock.js';

export interface PruneOptions {
  /** How many of the newest `<state-home>/runs/*` directories stay (the current run's included). */
  keep: number;
  /** The run starting now: never removed. */
  current: string;
  /**
   * A runtime directory this recent is left alone even without a live lock: an aigw may have
   * just created it and be about to take the lock (run-gateway.ts lockRunId).
   */
  runtimeGraceMs?: number;
  now?: number;
}

/**
 * Removes what finished runs left behind:
 * - `<state-home>/runs/<id>` (bootstrap, filter config) beyond the newest `keep`: a run id is
 *   generated per run, so they would pile up without end;
 * - `<runtime-dir>/<id>` whose aigw is gone (killed with SIGKILL before it could remove it).
 * A run whose aigw still runs (its lock answers) is never touched.
 */
export async function pruneRunDirs(dirs: AigwDirs, options: PruneOptions): Promise<string[]> {
  const removed: string[] = [];
  const now = options.now ?? Date.now();
  // Only directories with aigw's files in them: the directories may be shared (AIGW_RUNTIME_DIR=/tmp).
  const runs = await entriesByAge(join(dirs.stateHome, 'runs'), ['envoy.json', 'extproc-config.json']);
  let kept = 1; // the current run
  for (const run of runs) {
    if (run.name === options.current) continue;
    if (kept < options.keep) {
      kept++;
      continue;
    }
    if (await isRunLockHeld(join(dirs.runtimeDir, run.name))) continue;
    await rm(run.path, { recursive: true, force: true });
    removed.push(run.path);
  }
  for (const runtime of await entriesByAge(dirs.runtimeDir, [RUN_LOCK_FILE])) {
    if (runtime.name === options.current || now - runtime.mtimeMs < (options.runtimeGraceMs ?? 60_000)) continue;
    if (await isRunLockHeld(runtime.path)) continue;
    await rm(runtime.path, { recursive: true, force: true });
    removed.push(runtime.path);
  }
  return removed;
}

/** Subdirectories of `dir` holding one of `markers`, newest first; none when `dir` does not exist. */
async function entriesByAge(dir: string, markers: readonly string[]): Promise<{ name: string; path: string; mtimeMs: number }[]> {
  const names = await readdir(dir).catch(() => []);
  const entries: { name: string; path: string; mtimeMs: number }[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const stats = await stat(path).catch(() => undefined);
    if (!stats?.isDirectory()) continue;
    const marked = await Promise.all(markers.map((marker) => stat(join(path, marker)).then(() => true, () => false)));
    if (marked.includes(true)) entries.push({ name, path, mtimeMs: stats.mtimeMs });
  }
  return entries.sort((a, b) => b.mtimeMs - a.mtimeMs);
}
