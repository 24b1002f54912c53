import { chmod, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes a file only its owner can read (0600: run files hold credentials or the paths to them)
 * so that a reader never sees it half-written: beside its name first, then renamed over it — the
 * rename is also what Envoy's watched directory reports for the xDS files.
 */
export async function writePrivateFileAtomically(path: string, text: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.tmp`);
  await writeFile(temporary, text, { mode: 0o600 });
  // The mode given to writeFile is only used when it creates the file: a leftover keeps its own.
  await chmod(temporary, 0o600);
  await rename(temporary, path);
}
