import type { AWSStaticCredentials } from '../contract/filter-config.js';

/**
 * Reads one profile of an AWS shared credentials file, the way the AWS SDK for JavaScript reads
 * `~/.aws/credentials` for the default chain (extproc/auth/aws-sigv4-authenticator.ts), so a
 * file behaves the same in a Secret as in the home directory:
 * - `[name]` sections; `[profile name]` is accepted too (the config file's spelling);
 * - `key = value` lines, split at the first `=`, both sides trimmed; values are taken as written
 *   (quotes included, as the SDK does);
 * - `#` and `;` start a comment at the start of a line or after whitespace (`key = v # note`),
 *   not inside a value (`abc#def`);
 * - a key with an empty value opens a nested block (`s3 =` then indented lines), whose keys are
 *   not the profile's own.
 * Returns the reason as a string when the profile or its keys are missing; the reason never
 * contains key material.
 *
 * Hand-written because `@smithy/shared-ini-file-loader` (deprecated for `@smithy/core/config`)
 * only exports loaders that read files by path, asynchronously, through a process-wide cache;
 * its text parser is internal, and the compiler reads the file's text from a Secret, synchronously.
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html
 */
export function awsProfileCredentials(text: string, profile: string): AWSStaticCredentials | string {
  const sections = parseIniSections(text);
  const section = sections.get(profile);
  if (!section) return `the AWS credentials file has no [${profile}] profile (profiles: ${[...sections.keys()].join(', ') || 'none'})`;
  const accessKeyId = section.get('aws_access_key_id');
  const secretAccessKey = section.get('aws_secret_access_key');
  if (!accessKeyId || !secretAccessKey) return `the [${profile}] profile of the AWS credentials file needs aws_access_key_id and aws_secret_access_key`;
  const sessionToken = section.get('aws_session_token');
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}

const SECTION = /^\[\s*(?:profile\s+)?([^\]]+?)\s*\]$/;
/** A comment: `#` or `;` first on the line or after whitespace. */
const COMMENT = /(^|\s)[;#]/;

/** The sections of an INI text: name → lower-cased key → value (a Map: `[__proto__]` is just a name). */
function parseIniSections(text: string): Map<string, Map<string, string>> {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  let nested = false;
  for (const rawLine of text.split(/\r?\n/)) {
    const commentAt = rawLine.search(COMMENT);
    const line = (commentAt === -1 ? rawLine : rawLine.slice(0, commentAt)).trim();
    if (line === '') continue;
    const header = SECTION.exec(line);
    if (header?.[1] !== undefined) {
      current = sections.get(header[1]) ?? new Map<string, string>();
      sections.set(header[1], current);
      nested = false;
      continue;
    }
    const equals = line.indexOf('=');
    if (equals <= 0 || !current) continue;
    const key = line.slice(0, equals).trim().toLowerCase();
    const value = line.slice(equals + 1).trim();
    // An indented line continues a nested block; the first unindented one ends it.
    if (nested && rawLine.trimStart() !== rawLine) continue;
    nested = value === '';
    if (!nested) current.set(key, value);
  }
  return sections;
}
