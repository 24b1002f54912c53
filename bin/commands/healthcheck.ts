import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../common/logger.js';
import { HEALTHCHECK_OPTIONS } from '../cli/command-options.js';
import { dirFlags } from '../cli/dir-flags.js';
import { HEALTHCHECK_HELP } from '../cli/help-text.js';
import { parseCommandArgs } from '../cli/parse-command-args.js';
import { EXIT_OK, UsageError } from '../../common/errors.js';
import { resolveDirs, type AigwDirs } from '../gateway/aigw-dirs.js';
import { isRunLockHeld } from '../gateway/run-lock.js';
import type { CommandContext } from './command-context.js';

/** `aigw healthcheck [--run-id ID]`: the flags; healthcheck does the check. */
export async function healthcheckCommand(args: string[], { logger }: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, HEALTHCHECK_OPTIONS);
  if (values.help) {
    process.stdout.write(HEALTHCHECK_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`healthcheck: unexpected argument ${positionals[0] ?? ''}`);
  const runId = values['run-id'] ?? process.env.AIGW_RUN_ID;
  return healthcheck({ dirs: resolveDirs(dirFlags(values), process.env), ...(runId ? { runId } : {}), logger });
}

export interface HealthcheckOptions {
  dirs: AigwDirs;
  /** The run to check; the most recent running run in the runtime directory when unset. */
  runId?: string;
  logger: Logger;
  timeoutMs?: number;
}

/**
 * `aigw healthcheck` (e.g. a Docker HEALTHCHECK): exit 0 only when the gateway's Envoy answers
 * LIVE on its admin `/ready`. The admin address is the one Envoy wrote for the run. A run counts
 * as running only while its aigw holds the run lock, so files an aigw killed with SIGKILL left
 * behind are not mistaken for a gateway.
 */
export async function healthcheck(options: HealthcheckOptions): Promise<number> {
  const { logger, dirs } = options;
  const runId = options.runId ?? (await latestRunningRun(dirs.runtimeDir));
  if (runId === undefined) {
    logger.error(`no aigw run is running (none found in ${dirs.runtimeDir}); start one with "aigw run"`);
    return 1;
  }
  const runDir = join(dirs.runtimeDir, runId);
  if (!(await isRunLockHeld(runDir))) {
    logger.error(`no aigw run is running under run id ${runId} (in ${dirs.runtimeDir})`);
    return 1;
  }
  const addressFile = join(runDir, 'admin-address.txt');
  let address: string;
  try {
    address = (await readFile(addressFile, 'utf8')).trim();
  } catch {
    logger.error(`health check failed: the Envoy of run ${runId} has not started yet (no ${addressFile})`);
    return 1;
  }
  try {
    const response = await fetch(`http://${address}/ready`, { signal: AbortSignal.timeout(options.timeoutMs ?? 1000) });
    const body = (await response.text()).trim();
    if (response.ok && body.toUpperCase() === 'LIVE') return 0;
    logger.error(`health check failed: Envoy admin server is not ready: ${body || response.status}`);
  } catch (error) {
    logger.error(`health check failed: Envoy admin server did not answer: ${error instanceof Error ? error.message : String(error)}`);
  }
  return 1;
}

/** The run whose aigw started last among those still running. */
async function latestRunningRun(runtimeDir: string): Promise<string | undefined> {
  const names = await readdir(runtimeDir).catch(() => []);
  const running: { name: string; time: number }[] = [];
  for (const name of names) {
    const dir = join(runtimeDir, name);
    if (!(await isRunLockHeld(dir))) continue;
    const time = await stat(dir).then((stats) => stats.mtimeMs, () => 0);
    running.push({ name, time });
  }
  return running.sort((a, b) => b.time - a.time)[0]?.name;
}
