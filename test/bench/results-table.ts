import type { LoadResult } from './load-generator.js';

/** One row: the same scenario and concurrency measured directly and through the gateway. */
export interface BenchRow {
  scenario: string;
  concurrency: number;
  direct: LoadResult;
  gateway: LoadResult;
}

/** The markdown table the benchmark prints. */
export function resultsTable(rows: BenchRow[]): string {
  const header = [
    'scenario',
    'concurrency',
    'direct rps',
    'gateway rps',
    'throughput ratio (gw/direct)',
    'direct p50 / p99 (ms)',
    'gateway p50 / p99 (ms)',
    'added p50 (ms)',
  ];
  const lines = [row(header), row(header.map((_, i) => (i < 2 ? '---' : '---:')))];
  for (const { scenario, concurrency, direct, gateway } of rows) {
    lines.push(
      row([
        scenario,
        String(concurrency),
        fixed(direct.rps, 0),
        fixed(gateway.rps, 0),
        fixed(gateway.rps / direct.rps, 2),
        `${fixed(direct.p50Ms, 2)} / ${fixed(direct.p99Ms, 2)}`,
        `${fixed(gateway.p50Ms, 2)} / ${fixed(gateway.p99Ms, 2)}`,
        fixed(gateway.p50Ms - direct.p50Ms, 2),
      ]),
    );
  }
  return `${lines.join('\n')}\n`;
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}
