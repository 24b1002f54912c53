import type { ConfigStatus } from '../../contract/config-status.js';
import { writePrivateFileAtomically } from '../../common/write-private-file.js';

/**
 * aigw's side of the configuration status (contract/config-status.ts): the version serving and
 * the reload counts, written to the run directory at start and after every reload attempt for
 * the ext_proc's `/metrics`. Writes are serialised, so the file always ends at the last state.
 */
export class ConfigStatusFile {
  private status: ConfigStatus;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    readonly path: string,
    version: string,
    private readonly now: () => number = Date.now,
  ) {
    this.status = { version, reloadsSucceeded: 0, reloadsFailed: 0, lastReloadSuccessSeconds: 0, lastReloadFailureSeconds: 0 };
  }

  get current(): ConfigStatus {
    return this.status;
  }

  /** Writes the start-up status. */
  write(): Promise<void> {
    const text = `${JSON.stringify(this.status)}\n`;
    this.writing = this.writing.catch(() => undefined).then(() => writePrivateFileAtomically(this.path, text));
    return this.writing;
  }

  /** A reload applied `version`. */
  succeeded(version: string): Promise<void> {
    this.status = { ...this.status, version, reloadsSucceeded: this.status.reloadsSucceeded + 1, lastReloadSuccessSeconds: Math.floor(this.now() / 1000) };
    return this.write();
  }

  /** A reload left the running version serving. */
  failed(): Promise<void> {
    this.status = { ...this.status, reloadsFailed: this.status.reloadsFailed + 1, lastReloadFailureSeconds: Math.floor(this.now() / 1000) };
    return this.write();
  }
}
