// SPDX-License-Identifier: Apache-2.0
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve, sep } from 'node:path';

/**
 * Finds the executable for a stdio MCP server's `command` before it is started. The command is
 * started through `setpriv` (envoy/spawn-tied-child.ts), which would turn "no such command"
 * into an exit code plus a line on its stderr; looking it up first keeps the error exact. The
 * messages are Go's (exec.LookPath / fork/exec), which upstream aigw prints.
 */
export function resolveCommandPath(command: string, env: Readonly<Record<string, string | undefined>>, cwd = process.cwd()): string {
  if (command.includes('/') || command.includes(sep)) {
    const path = isAbsolute(command) ? command : resolve(cwd, command);
    const problem = executableProblem(path);
    if (problem) throw new Error(`fork/exec ${command}: ${problem}`);
    return path;
  }
  // An empty PATH entry means the current directory, as in every shell.
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const path = resolve(cwd, join(dir === '' ? '.' : dir, command));
    if (executableProblem(path) === undefined) return path;
  }
  throw new Error(`exec: ${JSON.stringify(command)}: executable file not found in $PATH`);
}

function executableProblem(path: string): string | undefined {
  try {
    if (statSync(path).isDirectory()) return 'is a directory';
  } catch {
    return 'no such file or directory';
  }
  try {
    accessSync(path, constants.X_OK);
    return undefined;
  } catch {
    return 'permission denied';
  }
}
