import { existsSync } from 'node:fs';
import { constants } from 'node:os';
import { execa, type Options, type ResultPromise } from 'execa';

const SETPRIV = '/usr/bin/setpriv';

/** How a child process ended. */
export interface ChildExit {
  /** The exit code, or 128 + the signal number when a signal ended it (as a shell reports it). */
  code: number;
  /** The signal that ended it, if any. */
  signal?: NodeJS.Signals;
  /** "exited with code 3" / "was killed by SIGKILL", for messages. */
  reason: string;
}

/**
 * Starts a child process that lives and dies with aigw:
 * - in its own process group, so a Ctrl-C in the terminal reaches only aigw, which then drains
 *   and stops its children in order (Envoy would otherwise exit at once on the SIGINT);
 * - on Linux through `setpriv --pdeathsig SIGKILL`, so it is killed even if aigw itself is
 *   killed with SIGKILL and never gets to clean up (otherwise an orphaned Envoy keeps the port).
 *   setpriv execs the program, so the child's pid is the program's.
 * Where setpriv is missing (macOS), the child stays in aigw's process group instead, which
 * still ends it with the terminal's signals.
 */
export function spawnTiedChild(file: string, args: readonly string[], options: Options): ResultPromise {
  const tie = process.platform === 'linux' && existsSync(SETPRIV);
  return tie
    ? execa(SETPRIV, ['--pdeathsig', 'SIGKILL', '--', file, ...args], { ...options, detached: true, cleanup: true })
    : execa(file, [...args], { ...options, cleanup: true });
}

/** Resolves once `child` has exited (execa with `reject: false`), with how. */
export function childExit(child: ResultPromise): Promise<ChildExit> {
  return child.then(
    (result) => describeExit(result.exitCode, result.signal),
    // Only when the process could not be started at all (ENOENT, EACCES).
    (error: unknown) => ({ code: 127, reason: `could not be started: ${error instanceof Error ? error.message : String(error)}` }),
  );
}

export function describeExit(exitCode: number | undefined | null, signal: string | undefined | null): ChildExit {
  if (signal && isSignal(signal)) return { code: 128 + (constants.signals[signal] ?? 0), signal, reason: `was killed by ${signal}` };
  const code = exitCode ?? 1;
  return { code, reason: `exited with code ${code}` };
}

function isSignal(name: string): name is NodeJS.Signals {
  return Object.hasOwn(constants.signals, name);
}
