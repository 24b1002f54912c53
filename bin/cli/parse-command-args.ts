import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from '../../common/errors.js';

/** A command's flags and positionals, strictly: an unknown flag is a usage error (exit 80). */
export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    // node's messages ("Unknown option '--nope'") become upstream's one-line form.
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /Unknown option '([^']+)'/.exec(message);
    throw new UsageError(unknown ? `unknown flag ${unknown[1] ?? ''}` : message);
  }
}
