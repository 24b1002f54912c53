import { createHash } from 'node:crypto';

/**
 * The revision of a filter config file: a digest of its text, computed alike by aigw (which
 * writes the file) and the ext_proc (which reports what it loaded), so each can tell which
 * configuration the other has without a field in the contract.
 */
export function configRevision(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 12);
}
