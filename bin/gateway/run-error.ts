/** A failure `aigw run` reports in one line (plus context), never as a stack trace. */
export class RunError extends Error {
  readonly code = 'RUN_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'RunError';
  }
}
