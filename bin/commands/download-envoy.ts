import { downloadEnvoy } from '../../envoy/download-envoy.js';
import { ENVOY_VERSION } from '../../envoy/envoy-version.js';
import { GLOBAL_OPTIONS } from '../cli/command-options.js';
import { dirFlags } from '../cli/dir-flags.js';
import { DOWNLOAD_HELP } from '../cli/help-text.js';
import { parseCommandArgs } from '../cli/parse-command-args.js';
import { EXIT_OK, UsageError } from '../../common/errors.js';
import { resolveDirs } from '../gateway/aigw-dirs.js';
import type { CommandContext } from './command-context.js';

/** `aigw download-envoy`: make sure the pinned Envoy is in the cache; print its path and version. */
export async function downloadEnvoyCommand(args: string[], { logger }: CommandContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, GLOBAL_OPTIONS);
  if (values.help) {
    process.stdout.write(DOWNLOAD_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`download-envoy: unexpected argument ${positionals[0] ?? ''}`);
  const dirs = resolveDirs(dirFlags(values), process.env);
  await downloadEnvoy({
    dataHome: dirs.dataHome,
    version: ENVOY_VERSION,
    log: (line) => (line.startsWith('warning: ') ? logger.warn(line.slice('warning: '.length)) : logger.info(line)),
    out: (line) => void process.stdout.write(`${line}\n`),
    progress: process.stderr,
    env: process.env,
  });
  return EXIT_OK;
}
