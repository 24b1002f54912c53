import { homedir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';

/** aigw's XDG-style directories (see `aigw --help`). Flags win over AIGW_* variables over defaults. */
export interface AigwDirs {
  configHome: string;
  dataHome: string;
  stateHome: string;
  runtimeDir: string;
}

export interface DirFlags {
  configHome?: string | undefined;
  dataHome?: string | undefined;
  stateHome?: string | undefined;
  runtimeDir?: string | undefined;
}

export function resolveDirs(flags: DirFlags, env: NodeJS.ProcessEnv): AigwDirs {
  const home = env.HOME || homedir();
  const pick = (flag: string | undefined, variable: string, fallback: string): string =>
    expandPath(flag || env[variable] || fallback, home);
  return {
    configHome: pick(flags.configHome, 'AIGW_CONFIG_HOME', join(env.XDG_CONFIG_HOME || join(home, '.config'), 'aigw')),
    dataHome: pick(flags.dataHome, 'AIGW_DATA_HOME', join(env.XDG_DATA_HOME || join(home, '.local', 'share'), 'aigw')),
    stateHome: pick(flags.stateHome, 'AIGW_STATE_HOME', join(env.XDG_STATE_HOME || join(home, '.local', 'state'), 'aigw')),
    runtimeDir: pick(flags.runtimeDir, 'AIGW_RUNTIME_DIR', `/tmp/aigw-${userInfo().uid}`),
  };
}

/** `~/x` → `$HOME/x`, then absolute. */
export function expandPath(path: string, home: string): string {
  return resolve(path === '~' ? home : path.startsWith('~/') ? join(home, path.slice(2)) : path);
}

/** A run id from the local time, `YYYYMMDD_HHMMSS_mmm`, as upstream names its run directories. */
export function defaultRunId(now = new Date()): string {
  const pad = (value: number, width = 2): string => String(value).padStart(width, '0');
  return `${now.getFullYear()}${pad(now.getMonth() + 1)}${pad(now.getDate())}_${pad(now.getHours())}${pad(now.getMinutes())}${pad(now.getSeconds())}_${pad(now.getMilliseconds(), 3)}`;
}
