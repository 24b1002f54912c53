import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { AigwDirs } from './aigw-dirs.js';

export interface HealthcheckOptions {
  dirs: AigwDirs;
  /** The run to check; the most recent run in the runtime directory when unset. */
  runId?: string;
  stderr: NodeJS.WritableStream;
  timeoutMs?: number;
}

/**
 * `aigw healthcheck` (e.g. a Docker HEALTHCHECK): exit 0 only when the gateway's Envoy answers
 * LIVE on its admin `/ready`. The admin address is the one Envoy wrote for the run.
 */
export async function healthcheck(options: HealthcheckOptions): Promise<number> {
  const runId = options.runId ?? latestRun(options.dirs.runtimeDir);
  if (runId === undefined) {
    options.stderr.write(`aigw: health check failed: no aigw run found in ${options.dirs.runtimeDir}\n`);
    return 1;
  }
  const addressFile = join(options.dirs.runtimeDir, runId, 'admin-address.txt');
  let address: string;
  try {
    address = readFileSync(addressFile, 'utf8').trim();
  } catch {
    options.stderr.write(`aigw: health check failed: Envoy of run ${runId} has not started (no ${addressFile})\n`);
    return 1;
  }
  try {
    const response = await fetch(`http://${address}/ready`, { signal: AbortSignal.timeout(options.timeoutMs ?? 1000) });
    const body = (await response.text()).trim();
    if (response.ok && body.toUpperCase() === 'LIVE') return 0;
    options.stderr.write(`aigw: health check failed: Envoy admin server is not ready: ${body || response.status}\n`);
  } catch (error) {
    options.stderr.write(`aigw: health check failed: Envoy admin server did not answer: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  return 1;
}

function latestRun(runtimeDir: string): string | undefined {
  let newest: { name: string; time: number } | undefined;
  let entries: string[];
  try {
    entries = readdirSync(runtimeDir);
  } catch {
    return undefined;
  }
  for (const name of entries) {
    try {
      const time = statSync(join(runtimeDir, name, 'admin-address.txt')).mtimeMs;
      if (!newest || time > newest.time) newest = { name, time };
    } catch {
      // not a run directory, or Envoy not started there
    }
  }
  return newest?.name;
}
