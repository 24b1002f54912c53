import { readFileSync } from 'node:fs';

/** A process's resident set in MiB (Linux /proc), undefined when it cannot be read. */
export function rssMiB(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Number(match[1]) / 1024;
  } catch {
    return undefined;
  }
}

/** The RSS of `aigw run` and of each child it started (Envoy, the ext_proc), named by command. */
export function processTree(label: string, pid: number): { process: string; rssMiB: number | undefined }[] {
  const children = childPids(pid);
  return [
    { process: `${label}: aigw`, rssMiB: rssMiB(pid) },
    ...children.map((child) => ({ process: `${label}: ${commandName(child)}`, rssMiB: rssMiB(child) })),
  ];
}

/** The pids of a process's direct children. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** `envoy`, `ext_proc` (a node process running extproc/main.js) or the executable's name. */
function commandName(pid: number): string {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (args.some((arg) => arg.endsWith('extproc/main.js'))) return 'ext_proc';
    return (args[0] ?? '').split('/').pop() || String(pid);
  } catch {
    return String(pid);
  }
}
