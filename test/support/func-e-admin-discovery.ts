/**
 * Finds the Envoy admin server of a running `aigw` from its pid alone, the way tools built on
 * func-e's admin client do (upstream's `aigw healthcheck`, func-e `internal/admin`): among the
 * direct children of the pid, the one whose command line carries func-e's marker, `--run-id <id>`
 * after a literal `--` (Envoy ignores what follows it), and `--admin-address-path <file>` before
 * it; then the `host:port` Envoy wrote to that file. Written from func-e's documented behaviour
 * (Linux /proc in place of gopsutil), so tests check aigw against it rather than against itself.
 */
import { readdir, readFile } from 'node:fs/promises';

const ENVOY_ARGS_END = '--';
const ADMIN_ADDRESS_PATH_FLAG = '--admin-address-path';
const RUN_ID_FLAG = '--run-id';

export interface DiscoveredEnvoy {
  pid: number;
  adminAddressPath: string;
  /** The port read from the address file; func-e's client talks to 127.0.0.1:<port>. */
  adminPort: number;
}

/** Direct children of `pid`, from every one of its threads (a child belongs to the thread that forked it). */
export async function directChildren(pid: number): Promise<number[]> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => []);
  const children = new Set<number>();
  for (const task of tasks) {
    const text = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
    for (const child of text.trim().split(/\s+/).filter(Boolean)) children.add(Number(child));
  }
  return [...children];
}

/**
 * A flag's value on one side of the first `--`: Envoy's own flags before it, func-e's marker
 * after it. `--flag value` and `--flag=value`; the last one wins, as in Envoy's parser.
 */
export function flagValue(cmdline: readonly string[], flag: string, afterEnvoyArgs: boolean): string | undefined {
  const end = cmdline.indexOf(ENVOY_ARGS_END);
  if (end < 0 && afterEnvoyArgs) return undefined;
  const region = end < 0 ? cmdline : afterEnvoyArgs ? cmdline.slice(end + 1) : cmdline.slice(0, end);
  let value: string | undefined;
  for (let i = 0; i < region.length; i++) {
    const arg = region[i] ?? '';
    if (arg === flag) {
      const next = region[i + 1];
      if (next !== undefined && next !== '') value = next;
      i++;
    } else if (arg.startsWith(`${flag}=`) && arg.length > flag.length + 1) {
      value = arg.slice(flag.length + 1);
    }
  }
  return value;
}

/** The Envoy child among `candidates` (pid → argv), as func-e selects it; a reason when there is none yet. */
export function selectEnvoy(candidates: ReadonlyMap<number, readonly string[]>, runId?: string): { pid: number; adminAddressPath: string } | { problem: string } {
  const matches: { pid: number; adminAddressPath: string }[] = [];
  let marked = 0;
  for (const [pid, cmdline] of candidates) {
    const id = flagValue(cmdline, RUN_ID_FLAG, true);
    if (id === undefined || (runId !== undefined && id !== runId)) continue;
    marked++;
    const adminAddressPath = flagValue(cmdline, ADMIN_ADDRESS_PATH_FLAG, false);
    if (adminAddressPath !== undefined) matches.push({ pid, adminAddressPath });
  }
  const [match] = matches;
  if (matches.length > 1) return { problem: `multiple Envoy processes found; set ${RUN_ID_FLAG} to disambiguate` };
  if (match) return match;
  if (marked === 0) return { problem: runId === undefined ? `no child with ${RUN_ID_FLAG}` : `no child with ${RUN_ID_FLAG} ${runId}` };
  return { problem: `no child with ${ADMIN_ADDRESS_PATH_FLAG}` };
}

/** Polls (every 50 ms, as func-e) until aigw's Envoy child and its admin address are known. */
export async function discoverEnvoyAdmin(parentPid: number, options: { runId?: string; timeoutMs?: number } = {}): Promise<DiscoveredEnvoy> {
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  let problem = 'no Envoy process found';
  for (;;) {
    const candidates = new Map<number, string[]>();
    for (const pid of await directChildren(parentPid)) {
      const text = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
      if (text !== undefined) candidates.set(pid, text.split('\0').slice(0, -1));
    }
    const selected = selectEnvoy(candidates, options.runId);
    if ('problem' in selected) {
      problem = selected.problem;
      if (problem.startsWith('multiple')) throw new Error(problem);
    } else {
      const address = (await readFile(selected.adminAddressPath, 'utf8').catch(() => '')).trim();
      const port = /:(\d+)$/.exec(address)?.[1];
      if (port !== undefined) return { pid: selected.pid, adminAddressPath: selected.adminAddressPath, adminPort: Number(port) };
      problem = `timeout waiting for Envoy admin address file ${selected.adminAddressPath}`;
    }
    if (Date.now() > deadline) throw new Error(`timeout waiting for Envoy process: ${problem}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** func-e's readiness check: `GET /ready` on 127.0.0.1:<port> answers 200 with `live` (any case). */
export async function isEnvoyLive(adminPort: number): Promise<boolean> {
  const response = await fetch(`http://127.0.0.1:${adminPort}/ready`, { signal: AbortSignal.timeout(1000) });
  return response.status === 200 && (await response.text()).trim().toLowerCase() === 'live';
}
