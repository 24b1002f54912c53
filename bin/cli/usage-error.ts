/** A command-line usage or validation error: printed as `aigw: error: …`, exit code 80 (as upstream). */
export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * A bad value in an environment variable the CLI reads (e.g. AIGW_DEBUG=maybe). Printed like a
 * usage error but, as upstream, exit code 1: the command line itself was fine.
 */
export class EnvValueError extends Error {
  readonly code = 'ENV_VALUE';
  constructor(message: string) {
    super(message);
    this.name = 'EnvValueError';
  }
}

export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 80;
