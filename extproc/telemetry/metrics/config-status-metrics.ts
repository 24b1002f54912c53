import { readFile } from 'node:fs/promises';
import { Counter, Gauge, type Registry } from 'prom-client';
import { parseConfigStatus, type ConfigStatus } from '../../../contract/config-status.js';

/**
 * The configuration's metrics, read from the status file aigw keeps (contract/config-status.ts)
 * at each scrape: `aigw_config_info{version}` (1 for the version serving),
 * `aigw_config_reloads_total{result}` and `aigw_config_last_reload_timestamp_seconds{result}`
 * (`success`: a new version applied; `failure`: the running one kept serving). No samples while
 * the file is absent (the ext_proc run alone) or unreadable.
 */
export function registerConfigStatusMetrics(registry: Registry, statusFile: string): void {
  // One read per scrape, shared by the three metrics (prom-client collects them one by one).
  let reading: Promise<ConfigStatus | undefined> | undefined;
  const status = (): Promise<ConfigStatus | undefined> => {
    reading ??= readStatus(statusFile).finally(() => setImmediate(() => (reading = undefined)));
    return reading;
  };
  /** A metric's collect: emptied, then filled from this scrape's status (no samples without one). */
  const fromStatus =
    <M extends { reset(): void }>(fill: (metric: M, current: ConfigStatus) => void) =>
    async function (this: M): Promise<void> {
      this.reset();
      const current = await status();
      if (current) fill(this, current);
    };
  new Gauge({
    name: 'aigw_config_info',
    help: 'The configuration version serving (value 1).',
    labelNames: ['version'],
    registers: [registry],
    collect: fromStatus<Gauge<'version'>>((gauge, current) => gauge.set({ version: current.version }, 1)),
  });
  new Counter({
    name: 'aigw_config_reloads_total',
    help: 'Configuration reloads: success (a new version applied) or failure (the running version kept serving).',
    labelNames: ['result'],
    registers: [registry],
    collect: fromStatus<Counter<'result'>>((counter, current) => {
      counter.inc({ result: 'success' }, current.reloadsSucceeded);
      counter.inc({ result: 'failure' }, current.reloadsFailed);
    }),
  });
  new Gauge({
    name: 'aigw_config_last_reload_timestamp_seconds',
    help: 'When the last configuration reload of each result happened (Unix seconds; 0: never).',
    labelNames: ['result'],
    registers: [registry],
    collect: fromStatus<Gauge<'result'>>((gauge, current) => {
      gauge.set({ result: 'success' }, current.lastReloadSuccessSeconds);
      gauge.set({ result: 'failure' }, current.lastReloadFailureSeconds);
    }),
  });
}

async function readStatus(path: string): Promise<ConfigStatus | undefined> {
  try {
    return parseConfigStatus(JSON.parse(await readFile(path, 'utf8')));
  } catch {
    return undefined;
  }
}
