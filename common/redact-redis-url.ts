/**
 * A Redis URL fit for a log line: the password (and a user's name, which some providers make a
 * token too) replaced by `***`. A URL that does not parse is not echoed at all.
 */
export function redactRedisUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '(an unparsable URL)';
  }
  if (parsed.password !== '') parsed.password = '***';
  if (parsed.username !== '') parsed.username = '***';
  return parsed.toString();
}
