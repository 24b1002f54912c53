import type { LoadResult } from './load-generator.js';

/** One row: the same scenario and concurrency measured directly, through a plain Envoy, and through the gateway. */
export interface BenchRow {
  scenario: string;
  concurrency: number;
  direct: LoadResult;
  /** The same Envoy with a static route and no ext_proc: the floor of any Envoy-based gateway. */
  plain: LoadResult;
  gateway: LoadResult;
}

/** The markdown table the benchmark prints: each gateway cell as a ratio to direct and to plain Envoy. */
export function resultsTable(rows: BenchRow[]): string {
  const header = [
    'scenario',
    'c',
    'direct rps',
    'plain Envoy rps',
    'gateway rps',
    'gw / direct',
    'gw / plain Envoy',
    'p50 / p99 ms: direct',
    'plain Envoy',
    'gateway',
    'added p50 over plain Envoy (ms)',
    'CPU ms / request: plain Envoy',
    'gateway',
  ];
  const lines = [row(header), row(header.map((_, i) => (i < 2 ? '---' : '---:')))];
  for (const { scenario, concurrency, direct, plain, gateway } of rows) {
    lines.push(
      row([
        scenario,
        String(concurrency),
        fixed(direct.rps, 0),
        fixed(plain.rps, 0),
        fixed(gateway.rps, 0),
        fixed(gateway.rps / direct.rps, 2),
        fixed(gateway.rps / plain.rps, 2),
        latency(direct),
        latency(plain),
        latency(gateway),
        fixed(gateway.p50Ms - plain.p50Ms, 2),
        fixed(plain.cpuMsPerRequest ?? Number.NaN, 3),
        fixed(gateway.cpuMsPerRequest ?? Number.NaN, 3),
      ]),
    );
  }
  return `${lines.join('\n')}\n`;
}

function latency(result: LoadResult): string {
  return `${fixed(result.p50Ms, 2)} / ${fixed(result.p99Ms, 2)}`;
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}
