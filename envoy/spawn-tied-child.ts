import { existsSync } from 'node:fs';
import { execa, type Options, type ResultPromise } from 'execa';

const SETPRIV = '/usr/bin/setpriv';

/**
 * Starts a child process that lives and dies with aigw:
 * - in its own process group, so a Ctrl-C in the terminal reaches only aigw, which then drains
 *   and stops its children in order (Envoy would otherwise exit at once on the SIGINT);
 * - on Linux through `setpriv --pdeathsig SIGKILL`, so it is killed even if aigw itself is
 *   killed with SIGKILL and never gets to clean up (otherwise an orphaned Envoy keeps the port).
 * Where setpriv is missing (macOS), the child stays in aigw's process group instead, which
 * still ends it with the terminal's signals.
 */
export function spawnTiedChild(file: string, args: readonly string[], options: Options): ResultPromise {
  const tie = process.platform === 'linux' && existsSync(SETPRIV);
  return tie
    ? execa(SETPRIV, ['--pdeathsig', 'SIGKILL', '--', file, ...args], { ...options, detached: true, cleanup: true })
    : execa(file, [...args], { ...options, cleanup: true });
}
