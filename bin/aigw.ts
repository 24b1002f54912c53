#!/usr/bin/env node
/**
 * The `aigw` command line: `run`, `validate`, `translate`, `healthcheck`, `download-envoy`,
 * `version`, `completion`, `help`, one file each in bin/commands/. This file only picks the
 * command and turns how it ended into an exit code: usage errors (unknown command or flag, bad or
 * missing argument) exit 80 in every command, runtime errors 1, as upstream aigw. Expected
 * failures print one clear message, never a stack trace. Every line aigw writes to stderr goes
 * through one logger (common/logger.ts) in the `--log-format`.
 */
import { createLogger, type Logger } from '../common/logger.js';
import { COMMANDS } from './cli/command-options.js';
import { logFormatFlag } from './cli/log-format-flag.js';
import { splitCommand } from './cli/split-command.js';
import { exitCodeFor, isAigwError, UsageError } from '../common/errors.js';
import type { Command } from './commands/command-context.js';
import { completionCommand } from './commands/completion.js';
import { downloadEnvoyCommand } from './commands/download-envoy.js';
import { healthcheckCommand } from './commands/healthcheck.js';
import { helpCommand } from './commands/help.js';
import { runCommand } from './commands/run.js';
import { topLevelCommand } from './commands/top-level.js';
import { translateCommand } from './commands/translate.js';
import { validateCommand } from './commands/validate.js';
import { versionCommand } from './commands/version.js';

const COMMAND_ENTRIES: Record<string, Command> = {
  help: helpCommand,
  version: versionCommand,
  completion: completionCommand,
  'download-envoy': downloadEnvoyCommand,
  run: runCommand,
  translate: translateCommand,
  validate: validateCommand,
  healthcheck: healthcheckCommand,
};

// Text until the flag is read: a bad --log-format value is itself reported in text.
let logger: Logger = createLogger({ format: 'text' });

async function main(argv: string[]): Promise<number> {
  const logFormat = logFormatFlag(argv, process.env);
  logger = createLogger({ format: logFormat });
  const context = { logFormat, logger };
  const { command, rest } = splitCommand(argv);
  if (command === undefined) return topLevelCommand(rest, context);
  const entry = Object.hasOwn(COMMAND_ENTRIES, command) ? COMMAND_ENTRIES[command] : undefined;
  if (entry === undefined) throw new UsageError(`unexpected argument ${command} (commands: ${COMMANDS.map((spec) => spec.name).join(', ')})`);
  return entry(rest, context);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    logger.error(error instanceof Error ? error.message : String(error));
    // A usage or environment mistake is the user's, not aigw's: no stack trace even when debugging.
    const userMistake = isAigwError(error, 'USAGE') || isAigwError(error, 'ENV');
    if (!userMistake && process.env.AIGW_DEBUG === 'true' && error instanceof Error && error.stack) logger.debug(error.stack);
    process.exitCode = exitCodeFor(error);
  },
);
