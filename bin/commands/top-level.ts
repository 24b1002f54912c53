import { COMMANDS, GLOBAL_OPTIONS } from '../cli/command-options.js';
import { MAIN_HELP } from '../cli/help-text.js';
import { parseCommandArgs } from '../cli/parse-command-args.js';
import { EXIT_OK, UsageError } from '../../common/errors.js';
import type { CommandContext } from './command-context.js';
import { versionText } from './version.js';

/** `aigw`, `aigw --help`, `aigw --version`: no command. */
export function topLevelCommand(args: string[], context: CommandContext): number {
  const { values } = parseCommandArgs(args, { ...GLOBAL_OPTIONS, version: { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(MAIN_HELP);
    return EXIT_OK;
  }
  if (values.version) {
    process.stdout.write(versionText('text'));
    return EXIT_OK;
  }
  // No command is a usage error (as upstream), with the usage to say what is expected (not in
  // json mode, where stderr carries only JSON lines).
  if (context.logFormat === 'text') process.stderr.write(MAIN_HELP);
  throw new UsageError(`expected a command: one of ${COMMANDS.map((spec) => spec.name).join(', ')}`);
}
