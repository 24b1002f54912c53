import { TRANSLATE_OPTIONS } from '../cli/command-options.js';
import { TRANSLATE_HELP } from '../cli/help-text.js';
import { parseCommandArgs } from '../cli/parse-command-args.js';
import { EXIT_OK, UsageError } from '../../common/errors.js';
import { translateConfig } from './translate-config.js';

/** `aigw translate <path>... [-o yaml|json] [--show-secrets]`: the flags; translateConfig does the work. */
export async function translateCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, TRANSLATE_OPTIONS);
  if (values.help) {
    process.stdout.write(TRANSLATE_HELP);
    return EXIT_OK;
  }
  if (positionals.length === 0) throw new UsageError('translate: a config file path is required');
  const output = values.output ?? 'yaml';
  if (output !== 'yaml' && output !== 'json') throw new UsageError(`--output: expected yaml or json but got ${JSON.stringify(output)}`);
  return translateConfig({ configPaths: positionals, output, showSecrets: values['show-secrets'] ?? false, env: process.env, stdout: process.stdout, stderr: process.stderr });
}
