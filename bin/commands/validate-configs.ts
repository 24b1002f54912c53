import { ConfigFileError, readConfigFile } from '../../compiler/read-config-file.js';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CrdRegistry } from '../../compiler/admission/crd-registry.js';
import { validateObject } from '../../compiler/admission/validate-object.js';
import { analyzeSources, type ConfigSource } from '../../compiler/compile-config.js';
import { formatDiagnostic, type Diagnostic } from '../../compiler/diagnostic.js';
import { didYouMean } from '../../compiler/did-you-mean.js';
import type { SourceDocument } from '../../compiler/load-documents.js';
import { checkMcpRoutePaths } from '../../compiler/mcp-route-paths.js';
import { parseFieldPath } from '../../compiler/parse-field-path.js';
import { isRecord } from '../../common/json-guards.js';
import { UsageError } from '../cli/usage-error.js';

export interface ValidateOptions {
  inputs: string[];
  output: 'text' | 'json';
  /** Warnings (e.g. fields aigw run does not honour) fail the validation too. */
  strict: boolean;
  env: NodeJS.ProcessEnv;
  readStdin: () => Promise<string>;
  stdout: NodeJS.WritableStream;
}

const CRD_DIR = fileURLToPath(new URL('../../../crds/', import.meta.url));
/** Schemas for the Gateway API, Envoy Gateway and core kinds aigw reads (the fields it uses). */
const EXTERNAL_SCHEMA_DIR = join(CRD_DIR, 'external');

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

  const analysis = analyzeSources(sources, options.env);
  const registry = CrdRegistry.fromDirectory(CRD_DIR);
  if (existsSync(EXTERNAL_SCHEMA_DIR)) for (const crd of CrdRegistry.fromDirectory(EXTERNAL_SCHEMA_DIR).crds) registry.add(crd);
  const admitted = new Map<string, boolean>();
  for (const document of analysis.documents) {
    const outcome = admit(document, registry);
    if (!outcome) continue;
    admitted.set(outcome.label, outcome.diagnostics.some((d) => d.severity === 'error'));
    diagnostics.push(...outcome.diagnostics);
  }
  diagnostics.push(...checkMcpRoutePaths(analysis.documents));
  const partial = !analysis.documents.some((document) => document.value.kind === 'Gateway');
  for (const diagnostic of analysis.diagnostics) {
    // The admission check already judged the AI resources it rejected; don't say it twice.
    // Unknown fields are the exception: admission drops them (the API server's default), and the
    // compile path reports them as errors for validate, translate and run alike.
    if (diagnostic.resource !== undefined && admitted.get(diagnostic.resource) === true && diagnostic.category === undefined) continue;
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
    if (!(error instanceof ConfigFileError)) throw error;
    diagnostics.push(error.diagnostic);
  }
}

/** The API server's verdict on one document, if it is an aigateway.envoyproxy.io resource. */
function admit(document: SourceDocument, registry: CrdRegistry): { label: string; diagnostics: Diagnostic[] } | undefined {
  const { apiVersion, kind, metadata } = document.value;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return undefined;
  const crd = registry.lookup(apiVersion, kind);
  // Kinds without a schema here (other APIs) get only aigw's own checks.
  if (!crd && !apiVersion.startsWith('aigateway.envoyproxy.io/')) return undefined;
  const name = isRecord(metadata) && typeof metadata.name === 'string' ? metadata.name : '';
  const label = `${kind} ${JSON.stringify(name)}`;
  const where = (path: string): { file: string; line?: number; column?: number } => {
    const position = document.positionOf(parseFieldPath(path));
    return { file: document.file, ...(position ? { line: position.line, column: position.column } : {}) };
  };
  if (!crd) {
    const hint = didYouMean(kind, registry.crds.filter((known) => apiVersion.startsWith(`${known.group}/`)).map((known) => known.kind));
    return { label, diagnostics: [{ severity: 'error', ...where('kind'), message: `no matches for kind "${kind}" in version "${apiVersion}"`, ...(hint ? { hint } : {}) }] };
  }
  const result = validateObject(crd, document.value);
  const prefix = `${crd.group ? `${kind}.${crd.group}` : kind} ${JSON.stringify(name)} is invalid: `;
  // result.warnings (unknown fields) are left to the compile path's checkUnknownFields, which
  // reports them as errors with a suggestion, the same way translate and run do.
  const diagnostics: Diagnostic[] = result.errors.map((error) => {
    const hint = error.type === 'Unsupported' && typeof error.value === 'string' && error.supported ? didYouMean(error.value, error.supported.filter((v) => typeof v === 'string')) : undefined;
    return { severity: 'error', ...where(error.path), message: `${prefix}${error.message}`, ...(hint ? { hint } : {}) };
  });
  return { label, diagnostics };
}
