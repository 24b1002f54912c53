import { COMMANDS, GLOBAL_OPTIONS } from '../cli/command-options.js';
import { COMPLETION_HELP, DOWNLOAD_HELP, HEALTHCHECK_HELP, HELP_HELP, MAIN_HELP, RUN_HELP, TRANSLATE_HELP, VALIDATE_HELP, VERSION_HELP } from '../cli/help-text.js';
import { parseCommandArgs } from '../cli/parse-command-args.js';
import { EXIT_OK, UsageError } from '../../common/errors.js';

/** Each command's help: what `aigw help <command>` prints, the same as `aigw <command> --help`. */
const HELP: Record<string, string> = {
  version: VERSION_HELP,
  run: RUN_HELP,
  validate: VALIDATE_HELP,
  translate: TRANSLATE_HELP,
  healthcheck: HEALTHCHECK_HELP,
  'download-envoy': DOWNLOAD_HELP,
  completion: COMPLETION_HELP,
  help: HELP_HELP,
};

/** `aigw help [<command>]`. */
export function helpCommand(args: string[]): number {
  const { positionals } = parseCommandArgs(args, GLOBAL_OPTIONS);
  if (positionals.length > 1) throw new UsageError(`help: expected at most one command, got ${positionals.length}`);
  const topic = positionals[0];
  if (topic === undefined) {
    process.stdout.write(MAIN_HELP);
    return EXIT_OK;
  }
  const text = HELP[topic];
  if (text === undefined) throw new UsageError(`help: unknown command ${topic} (commands: ${COMMANDS.map((spec) => spec.name).join(', ')})`);
  process.stdout.write(text);
  return EXIT_OK;
}
