import { readConfigFile } from '../../compiler/read-config-file.js';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeSources, type ConfigSource } from '../../compiler/compile-config.js';
import { ConfigError, formatDiagnostic, type Diagnostic } from '../../compiler/diagnostic.js';
import { UsageError } from '../../common/errors.js';

export interface ValidateOptions {
  inputs: string[];
  output: 'text' | 'json';
  /** Warnings (e.g. fields aigw run does not honour) fail the validation too. */
  strict: boolean;
  env: NodeJS.ProcessEnv;
  readStdin: () => Promise<string>;
  stdout: NodeJS.WritableStream;
}

/**
 * `aigw validate`: the API server's verdict offline (CRD schemas, defaults, CEL rules from
 * `crds/`), then what only a whole configuration shows (dangling references, routes on missing
 * Gateways, …) and what `aigw run` would not honour (warnings). Exit 0 valid, 1 invalid.
 */
export async function validateConfigs(options: ValidateOptions): Promise<number> {
  if (options.inputs.length === 0) throw new UsageError('validate: give one or more files, directories, or - for standard input');
  const sources: ConfigSource[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const input of options.inputs) await collect(input, options, sources, diagnostics);

  // The same admission and readers as translate and run; validate differs only in what it
  // makes of the findings.
  const analysis = analyzeSources(sources, options.env);
  const partial = !analysis.documents.some((document) => document.value.kind === 'Gateway');
  for (const diagnostic of analysis.diagnostics) {
    // Without a Gateway the files are a part of a configuration, not a whole one.
    if (partial && diagnostic.message.startsWith('no Gateway found')) continue;
    diagnostics.push(diagnostic.category === 'unsupported' ? { ...diagnostic, severity: options.strict ? 'error' : 'warning', message: `${diagnostic.message} (valid for Kubernetes; aigw run refuses it)` } : diagnostic);
  }
  if (options.strict) for (const diagnostic of diagnostics) diagnostic.severity = 'error';
  const order = new Map(sources.map((source, i) => [source.file, i] as const));
  diagnostics.sort((a, b) => (order.get(a.file) ?? -1) - (order.get(b.file) ?? -1) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  const valid = errors === 0;
  if (options.output === 'json') {
    options.stdout.write(`${JSON.stringify({ valid, errors, warnings, resources: analysis.documents.length, diagnostics }, null, 2)}\n`);
  } else {
    for (const diagnostic of diagnostics) options.stdout.write(`${formatDiagnostic(diagnostic)}\n`);
    options.stdout.write(`${valid ? 'valid' : 'invalid'}: ${analysis.documents.length} resource(s) in ${sources.length} file(s), ${errors} error(s), ${warnings} warning(s)\n`);
  }
  return valid ? 0 : 1;
}

async function collect(input: string, options: ValidateOptions, sources: ConfigSource[], diagnostics: Diagnostic[]): Promise<void> {
  if (input === '-') {
    sources.push({ file: '<stdin>', text: await options.readStdin() });
    return;
  }
  let isDirectory: boolean;
  try {
    isDirectory = statSync(input).isDirectory();
  } catch {
    diagnostics.push({ severity: 'error', file: input, message: 'no such file or directory' });
    return;
  }
  if (isDirectory) {
    for (const name of readdirSync(input).sort()) {
      const path = join(input, name);
      if (statSync(path).isDirectory() || /\.ya?ml$/.test(name)) await collect(path, options, sources, diagnostics);
    }
    return;
  }
  try {
    sources.push({ file: input, text: await readConfigFile(input, input) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    diagnostics.push(...error.diagnostics);
  }
}
