import { readConfigFile } from '../../compiler/read-config-file.js';
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { compileSources, type CompiledConfig, type ConfigSource } from '../../compiler/compile-config.js';
import { ConfigError, formatDiagnostic } from '../../compiler/diagnostic.js';
import { FILTER_CONFIG_VERSION, redactFilterConfig } from '../../contract/filter-config.js';
import { AigwError } from '../../common/errors.js';

export interface TranslateOptions {
  /** One or more files; resources may reference each other across them. */
  configPaths: string[];
  output: 'yaml' | 'json';
  showSecrets: boolean;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/**
 * Where translate says the ext_proc socket is. `aigw run` uses a per-run path; translate prints
 * a fixed one so the output depends only on the input.
 */
export const TRANSLATE_SOCKET_PATH = '/run/aigw/extproc.sock';

/**
 * `aigw translate FILE`: the Envoy bootstrap and the ext_proc config `aigw run` would use, through
 * the same pipeline, byte for byte the same for the same input. Credentials are `<redacted>`
 * unless `--show-secrets`.
 */
export async function translateConfig(options: TranslateOptions): Promise<number> {
  const sources: ConfigSource[] = [];
  for (const configPath of options.configPaths) {
    const path = resolve(configPath);
    try {
      sources.push({ file: configPath, text: await readConfigFile(path, configPath) });
    } catch (error) {
      // readConfigFile's own refusals (too large, not UTF-8): one diagnostic each.
      if (error instanceof ConfigError) throw new AigwError('RUN', error.diagnostics.map(formatDiagnostic).join('\n'));
      const code = error instanceof Error && 'code' in error ? String(error.code) : '';
      throw new AigwError('RUN', code === 'ENOENT' ? `config file not found: ${path}` : `cannot read config file ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  let compiled;
  try {
    compiled = compileSources(sources, { env: options.env, extProcSocketPath: TRANSLATE_SOCKET_PATH });
  } catch (error) {
    if (error instanceof ConfigError) throw new AigwError('RUN', `invalid configuration:\n${error.diagnostics.map(formatDiagnostic).join('\n')}`);
    throw error;
  }
  for (const warning of compiled.warnings) options.stderr.write(`${formatDiagnostic(warning)}\n`);
  options.stdout.write(renderTranslation(compiled, options));
  return 0;
}

/** The printed form of a compiled configuration (also what the golden tests compare). */
export function renderTranslation(compiled: CompiledConfig, options: { output: 'yaml' | 'json'; showSecrets: boolean }): string {
  const extproc = options.showSecrets ? compiled.filterConfig : redactFilterConfig(compiled.filterConfig);
  const pipes = compiled.accessLogPipes;
  if (options.output === 'json') return `${JSON.stringify({ envoy: compiled.bootstrap, extproc, ...(pipes.length > 0 ? { accessLogPipes: pipes } : {}) }, null, 2)}\n`;
  // Said next to the bootstrap: its File access log paths are aigw's pipes, not the files.
  const pipeNotes = pipes.map(({ pipe, file }) => `# access log file ${file}: Envoy writes ${pipe}; aigw redacts credentials from each line and appends it to the file\n`).join('');
  return `# Envoy bootstrap (envoy -c)\n${pipeNotes}${stringify(compiled.bootstrap, { lineWidth: 0, aliasDuplicateObjects: false })}---\n# ext_proc config (${FILTER_CONFIG_VERSION})\n${stringify(extproc, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
