import { readFileSync } from 'node:fs';
import { ENVOY_VERSION } from '../../envoy/envoy-version.js';
import { VERSION_OPTIONS } from '../cli/command-options.js';
import { VERSION_HELP } from '../cli/help-text.js';
import { parseCommandArgs } from '../cli/parse-command-args.js';
import { EXIT_OK, UsageError } from '../../common/errors.js';

/** `aigw version [-o text|json]`: the aigw version and the pinned Envoy version. */
export function versionCommand(args: string[]): number {
  const { values, positionals } = parseCommandArgs(args, VERSION_OPTIONS);
  if (values.help) {
    process.stdout.write(VERSION_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`version: unexpected argument ${positionals[0] ?? ''}`);
  const output = values.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new UsageError(`--output: expected text or json but got ${JSON.stringify(output)}`);
  process.stdout.write(versionText(output));
  return EXIT_OK;
}

/** What `aigw version` and `aigw --version` print. */
export function versionText(output: 'text' | 'json'): string {
  const versions = { aigw: packageVersion(), envoy: ENVOY_VERSION };
  // The first line is upstream's, which scripts parse.
  return output === 'json' ? `${JSON.stringify(versions)}\n` : `Envoy AI Gateway CLI: ${versions.aigw}\nEnvoy: ${versions.envoy}\n`;
}

function packageVersion(): string {
  // From dist/bin/commands/ to the package root: package.json ships with the package.
  const text = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
  const match = /"version"\s*:\s*"([^"]+)"/.exec(text);
  return match?.[1] ?? 'dev';
}
