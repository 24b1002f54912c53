import { COMMANDS, GLOBAL_OPTIONS, TOP_LEVEL_FLAGS } from '../cli/command-options.js';
import { completionScript, SHELLS, type Shell } from '../cli/completion-script.js';
import { COMPLETION_HELP } from '../cli/help-text.js';
import { parseCommandArgs } from '../cli/parse-command-args.js';
import { EXIT_OK, UsageError } from '../../common/errors.js';

/** `aigw completion bash|zsh|fish`: print the shell's completion script. */
export function completionCommand(args: string[]): number {
  const { values, positionals } = parseCommandArgs(args, { help: GLOBAL_OPTIONS.help, 'log-format': GLOBAL_OPTIONS['log-format'] });
  if (values.help) {
    process.stdout.write(COMPLETION_HELP);
    return EXIT_OK;
  }
  const shell = positionals[0];
  if (positionals.length !== 1 || shell === undefined || !isShell(shell)) {
    throw new UsageError(`completion: expected one shell, ${SHELLS.join(', ')}${shell === undefined ? '' : `, but got ${positionals.join(' ')}`}`);
  }
  process.stdout.write(completionScript(shell, COMMANDS, TOP_LEVEL_FLAGS));
  return EXIT_OK;
}

function isShell(name: string): name is Shell {
  return (SHELLS as readonly string[]).includes(name);
}
