/**
 * Gateway API hostname matching: `example.com` matches exactly; `*.example.com` matches any
 * name ending in `.example.com` (one or more labels), never `example.com` itself. The request's
 * host is compared without its port, case-insensitively.
 */
export function hostMatches(hostnames: readonly string[], authority: string | undefined): boolean {
  if (hostnames.length === 0) return true;
  const host = stripPort(authority ?? '').toLowerCase();
  return hostnames.some((hostname) => (hostname.startsWith('*.') ? host.endsWith(hostname.slice(1)) && host.length > hostname.length - 1 : host === hostname));
}

function stripPort(authority: string): string {
  if (authority.startsWith('[')) return authority.slice(0, authority.indexOf(']') + 1); // IPv6 literal
  const colon = authority.lastIndexOf(':');
  return colon === -1 ? authority : authority.slice(0, colon);
}
