/**
 * Envoy's admin endpoint of a running `aigw run`: its address (the file Envoy writes under
 * `<runtime-dir>/<run-id>/`) and its counters and gauges, for tests that check that connections
 * and streams go back to zero.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AigwProcess } from './aigw-process.js';

/** host:port of Envoy's admin listener (startAigw puts the runtime dir under the run's temp dir). */
export async function envoyAdminAddress(aigw: AigwProcess): Promise<string> {
  return (await readFile(join(aigw.tempDir, 'run', aigw.runId, 'admin-address.txt'), 'utf8')).trim();
}

/** Stats whose name matches `filter` (an RE2 regex, as Envoy's `/stats?filter=` takes it). */
export async function envoyStats(adminAddress: string, filter: string): Promise<Map<string, number>> {
  const response = await fetch(`http://${adminAddress}/stats?filter=${encodeURIComponent(filter)}`, { signal: AbortSignal.timeout(2000) });
  if (!response.ok) throw new Error(`Envoy admin /stats answered ${response.status}`);
  const stats = new Map<string, number>();
  for (const line of (await response.text()).split('\n')) {
    const match = /^(\S+): (\d+)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) stats.set(match[1], Number(match[2]));
  }
  return stats;
}

/** The sum of the matching stats. */
export async function envoyStatSum(adminAddress: string, filter: string): Promise<number> {
  let sum = 0;
  for (const value of (await envoyStats(adminAddress, filter)).values()) sum += value;
  return sum;
}
