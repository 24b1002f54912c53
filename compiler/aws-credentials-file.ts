import type { AWSStaticCredentials } from '../extproc/filter-config.js';

/**
 * Reads one profile of an AWS shared credentials file (INI: `[profile]` sections with
 * `key = value` lines, `#`/`;` comments). Returns the reason as a string when the profile or its
 * keys are missing; the reason never contains key material.
 * @see https://docs.aws.amazon.com/sdkref/latest/guide/file-format.html
 */
export function awsProfileCredentials(text: string, profile: string): AWSStaticCredentials | string {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*(?:profile\s+)?([^\]]+?)\s*\]$/.exec(line);
    if (header?.[1] !== undefined) {
      current = sections.get(header[1]) ?? new Map<string, string>();
      sections.set(header[1], current);
      continue;
    }
    const equals = line.indexOf('=');
    if (equals === -1 || !current) continue;
    current.set(line.slice(0, equals).trim().toLowerCase(), line.slice(equals + 1).trim());
  }
  const section = sections.get(profile);
  if (!section) return `the AWS credentials file has no [${profile}] profile (profiles: ${[...sections.keys()].join(', ') || 'none'})`;
  const accessKeyId = section.get('aws_access_key_id');
  const secretAccessKey = section.get('aws_secret_access_key');
  if (!accessKeyId || !secretAccessKey) return `the [${profile}] profile of the AWS credentials file needs aws_access_key_id and aws_secret_access_key`;
  const sessionToken = section.get('aws_session_token');
  return { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
}
