import { VALIDATE_OPTIONS } from '../cli/command-options.js';
import { VALIDATE_HELP } from '../cli/help-text.js';
import { parseCommandArgs } from '../cli/parse-command-args.js';
import { EXIT_OK, UsageError } from '../../common/errors.js';
import { validateConfigs } from './validate-configs.js';

/** `aigw validate <path>... [--strict] [-o text|json]`: the flags; validateConfigs does the checking. */
export async function validateCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, VALIDATE_OPTIONS);
  if (values.help) {
    process.stdout.write(VALIDATE_HELP);
    return EXIT_OK;
  }
  const output = values.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new UsageError(`--output: expected text or json but got ${JSON.stringify(output)}`);
  return validateConfigs({ inputs: positionals, output, strict: values.strict ?? false, env: process.env, readStdin, stdout: process.stdout });
}

/** `-` as a path: the whole of standard input. */
async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}
