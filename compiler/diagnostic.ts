// SPDX-License-Identifier: Apache-2.0
//
// One shape for every config problem (YAML syntax, schema, cross-reference) so the CLI can
// report all of them at once, each pointing at file:line:col like a compiler.

import { AigwError } from '../common/errors.js';
/** A problem found in a config file. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  file: string;
  /** 1-based. */
  line?: number;
  /** 1-based, in UTF-16 code units (like the `yaml` package's LineCounter and editors). */
  column?: number;
  /** The Kubernetes object concerned, e.g. `AIGatewayRoute "my-route"`. */
  resource?: string;
  /** Kubernetes field path, e.g. `spec.rules[0].backendRefs[0].name` (see formatFieldPath). */
  path?: string;
  message: string;
  /** A suggestion for fixing it, e.g. `did you mean "backendRefs"?`. */
  hint?: string;
  /**
   * The source line at `line`, for errors whose cause is easier to see than to describe (YAML
   * syntax, indentation). Rendered under the message with a `^` at `column`.
   */
  excerpt?: string;
  /**
   * `unsupported`: valid for the Kubernetes API but not something `aigw run` can honour. `run`
   * and `translate` refuse it; `validate` reports it as a warning (an error with `--strict`).
   * `unknown`: a field the schema does not declare (usually a typo); an error for every command,
   * as under the API server's strict field validation.
   */
  category?: 'unsupported' | 'unknown';
}

/**
 * formatDiagnostic renders one diagnostic on one line, location first so terminals and editors
 * can jump to it:
 *
 *   config.yaml:12:9: error: AIGatewayRoute "my-route": spec.rules[0].backendRefs[0].name: not found (hint: …)
 *
 * Missing parts are left out with their separator (`config.yaml: error: …` when there is no line).
 * A diagnostic with an excerpt adds two lines: the source line and a `^` under the column.
 */
export function formatDiagnostic(d: Diagnostic): string {
  let location = d.file;
  if (d.line !== undefined) {
    location += `:${d.line}`;
    if (d.column !== undefined) location += `:${d.column}`;
  }
  const parts = [location, d.severity];
  if (d.resource !== undefined && d.resource !== '') parts.push(d.resource);
  if (d.path !== undefined && d.path !== '') parts.push(d.path);
  let text = `${parts.join(': ')}: ${d.message}`;
  if (d.hint !== undefined && d.hint !== '') text += ` (hint: ${d.hint})`;
  if (d.excerpt !== undefined && d.column !== undefined) {
    // Tabs are kept in the caret's padding so the caret lands under the same character.
    const padding = d.excerpt.slice(0, d.column - 1).replace(/[^\t]/g, ' ');
    text += `\n    ${d.excerpt}\n    ${padding}^`;
  }
  return text;
}

/**
 * ConfigError is thrown when a config cannot be used. It carries every diagnostic found, not just
 * the first. The message lists them, one per line, unless `message` says otherwise: a file that
 * cannot be read as text (readConfigFile) and a failed environment substitution (envsubst) keep
 * the bare message upstream prints (`closing brace expected`), their callers adding the location.
 */
export class ConfigError extends AigwError {
  readonly diagnostics: readonly Diagnostic[];

  constructor(diagnostics: readonly Diagnostic[], message = diagnostics.map(formatDiagnostic).join('\n')) {
    super('CONFIG', message);
    this.name = 'ConfigError';
    this.diagnostics = diagnostics;
  }
}

/** A path segment's name is a plain identifier (`spec`, `backendRefs`); others need brackets. */
function isIdentifier(segment: string): boolean {
  if (segment === '') return false;
  for (let i = 0; i < segment.length; i++) {
    const c = segment.charCodeAt(i);
    const letter = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f;
    const digit = c >= 0x30 && c <= 0x39;
    if (!(letter || (digit && i > 0))) return false;
  }
  return true;
}

/**
 * formatFieldPath renders a path the way Kubernetes validation does (k8s.io/apimachinery
 * field.Path): `spec.rules[0].backendRefs[1].name`. A map key that is not an identifier is
 * written as `[key]`, unquoted, e.g. `metadata.annotations[substitution.aigw.run/env/apiKey]`.
 */
export function formatFieldPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (!isIdentifier(segment)) out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
  }
  return out;
}
