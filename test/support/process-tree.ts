/**
 * The processes of a running `aigw run` (Linux /proc): its Envoy and its ext_proc, by command
 * line, and their resident memory. Used by the fault tests (to kill one of them) and the soak
 * test (to watch their memory).
 */
import { readFile } from 'node:fs/promises';

export interface GatewayPids {
  envoy: number;
  extProc: number;
}

/** Direct children of `pid`. */
export async function childPids(pid: number): Promise<number[]> {
  const text = await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '');
  return text.trim().split(/\s+/).filter(Boolean).map(Number);
}

export async function commandLine(pid: number): Promise<string[]> {
  const text = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return text.split('\0').filter(Boolean);
}

/**
 * Envoy and the ext_proc among aigw's children; waits (up to `timeoutMs`) until both exist and,
 * with `not`, until they differ from those pids (e.g. a restarted ext_proc).
 */
export async function gatewayPids(aigwPid: number, options: { timeoutMs?: number; notExtProc?: number } = {}): Promise<GatewayPids> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (;;) {
    let envoy: number | undefined;
    let extProc: number | undefined;
    for (const pid of await childPids(aigwPid)) {
      const argv = await commandLine(pid);
      if (argv.some((arg) => arg.endsWith('extproc/main.js'))) extProc = pid;
      else if (argv.some((arg) => /(^|\/)envoy$/.test(arg))) envoy = pid;
    }
    if (envoy !== undefined && extProc !== undefined && extProc !== options.notExtProc) return { envoy, extProc };
    if (Date.now() > deadline) throw new Error(`aigw (pid ${aigwPid}) has no Envoy and ext_proc children (envoy ${String(envoy)}, ext_proc ${String(extProc)})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Resident set size in bytes, or undefined once the process is gone. */
export async function rssBytes(pid: number): Promise<number | undefined> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves once `pid` is gone; rejects after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (isAlive(pid)) {
    if (Date.now() > deadline) throw new Error(`pid ${pid} still alive after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
