import { isUtf8 } from 'node:buffer';
import { open } from 'node:fs/promises';
import { firstInvalidUtf8Offset } from '../extproc/request/request-body.js';
import { ConfigError, type Diagnostic } from './diagnostic.js';

/**
 * Largest configuration file aigw reads (bytes), and the largest it may become after environment
 * substitution (characters). Real configurations are kilobytes; the `yaml` parser needs seconds
 * and hundreds of MB per few MiB, and the Kubernetes API server itself refuses requests over
 * 3 MiB, so anything bigger is a mistake (a log file, a model, /dev/zero), refused before parsing.
 */
export const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * The diagnostic's message and hint for a file of `bytes` (`atLeast`: read until the limit, its
 * real size unknown), when that is over the limit.
 */
export function sizeProblem(bytes: number, atLeast = false): Pick<Diagnostic, 'message' | 'hint'> | undefined {
  if (bytes <= MAX_CONFIG_BYTES) return undefined;
  const size = atLeast ? `more than ${formatSize(MAX_CONFIG_BYTES)}` : formatSize(bytes);
  return {
    message: `the file is ${size}; aigw reads configuration files of at most ${formatSize(MAX_CONFIG_BYTES)}`,
    hint: 'is this the right file? a real configuration is a few kilobytes',
  };
}

function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${Math.round((bytes / (1024 * 1024)) * 10) / 10} MiB`;
  if (bytes >= 1024) return `${Math.round((bytes / 1024) * 10) / 10} KiB`;
  return `${bytes} bytes`;
}

/**
 * Why a configuration file cannot be read as text (too large, or not UTF-8): a ConfigError with
 * that one diagnostic, whose message is the diagnostic's own (the callers format it with the file).
 */
function configFileError(diagnostic: Diagnostic): ConfigError {
  return new ConfigError([diagnostic], diagnostic.message);
}

const CHUNK_BYTES = 64 * 1024;

/**
 * Reads a configuration file as UTF-8 text without ever holding more than MAX_CONFIG_BYTES of it:
 * a regular file over the limit is refused from its size alone, anything else (a pipe,
 * /dev/zero) once that much was read. Bytes that are not UTF-8, which a lossy decode would turn
 * into U+FFFD without a word, are refused with their line and column. Both are ConfigErrors with one
 * diagnostic;
 * other failures (ENOENT, EACCES) are thrown as they are.
 */
export async function readConfigFile(path: string, label = path): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const stat = await handle.stat();
    const declared = stat.isFile() ? sizeProblem(stat.size) : undefined;
    if (declared) throw configFileError({ severity: 'error', file: label, ...declared });
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      const { bytesRead } = await handle.read(chunk, 0, CHUNK_BYTES, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      const tooLarge = sizeProblem(total, true);
      if (tooLarge) throw configFileError({ severity: 'error', file: label, ...tooLarge });
      chunks.push(chunk.subarray(0, bytesRead));
    }
    return decodeConfigText(Buffer.concat(chunks), label);
  } finally {
    await handle.close();
  }
}

/** The bytes as text, or a ConfigError at the first byte that is not valid UTF-8. */
export function decodeConfigText(bytes: Buffer, label: string): string {
  if (isUtf8(bytes)) return bytes.toString('utf8');
  const offset = firstInvalidUtf8Offset(bytes);
  const prefix = bytes.subarray(0, offset).toString('utf8');
  const lineStart = prefix.lastIndexOf('\n') + 1;
  let line = 1;
  for (let i = prefix.indexOf('\n'); i !== -1; i = prefix.indexOf('\n', i + 1)) line++;
  throw configFileError({
    severity: 'error',
    file: label,
    line,
    column: prefix.length - lineStart + 1,
    message: `invalid YAML: the file is not valid UTF-8 (byte 0x${(bytes[offset] ?? 0).toString(16).padStart(2, '0')} at offset ${offset})`,
    hint: 'save it as UTF-8; is it a binary file?',
  });
}
