import { isRecord } from '../common/json-guards.js';

/**
 * What `aigw run` reports of its configuration for `/metrics`: the version serving and how its
 * reloads went. aigw writes it (a JSON file in the run directory, replaced atomically after start
 * and after every reload attempt); the ext_proc's admin server reads it when scraped. A file, not
 * a message: an edit that does not compile never reaches the ext_proc, and a restarted ext_proc
 * finds the counts where they were.
 */
export interface ConfigStatus {
  /** The configuration version serving (the one in aigw's start-up and reload lines). */
  version: string;
  /** Reloads that applied a new version. */
  reloadsSucceeded: number;
  /** Reloads that left the running version serving (an edit that does not compile, or that Envoy or the ext_proc refused). */
  reloadsFailed: number;
  /** Unix seconds of the last reload that applied, 0 when none has. */
  lastReloadSuccessSeconds: number;
  /** Unix seconds of the last reload that did not, 0 when none. */
  lastReloadFailureSeconds: number;
}

/** The status in a file's JSON; undefined when it is not one (a file being replaced reads whole or not at all). */
export function parseConfigStatus(raw: unknown): ConfigStatus | undefined {
  if (!isRecord(raw)) return undefined;
  const { version, reloadsSucceeded, reloadsFailed, lastReloadSuccessSeconds, lastReloadFailureSeconds } = raw;
  if (typeof version !== 'string') return undefined;
  const counts = [reloadsSucceeded, reloadsFailed, lastReloadSuccessSeconds, lastReloadFailureSeconds];
  if (!counts.every((value): value is number => typeof value === 'number' && Number.isFinite(value) && value >= 0)) return undefined;
  const [succeeded = 0, failed = 0, success = 0, failure = 0] = counts;
  return { version, reloadsSucceeded: succeeded, reloadsFailed: failed, lastReloadSuccessSeconds: success, lastReloadFailureSeconds: failure };
}
