// Turns verified JWT claims into an McpIdentity: subject, scopes and the claimToHeaders headers.

import { isRecord, type JsonRecord } from '../../common/json-guards.js';
import type { McpOAuthConfig } from '../../contract/mcp-config.js';
import type { McpIdentity } from './mcp-route-auth.js';

export const ANONYMOUS: McpIdentity = { claims: {}, scopes: [], forwardHeaders: [] };

function words(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/\s+/).filter((word) => word !== '');
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string' && item !== '');
  return [];
}

/** `scope` (space-separated, or a list as some issuers write it), else `scp` (string or list). */
export function scopesOf(claims: JsonRecord): string[] {
  const scopes = claims.scope !== undefined ? words(claims.scope) : words(claims.scp);
  return [...new Set(scopes)];
}

/** A claim by name; a dotted name walks nested objects (`org.team`), as Envoy's claim_to_headers does. */
export function lookupClaim(claims: JsonRecord, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  let current: unknown = claims;
  for (const part of name.split('.')) {
    if (!isRecord(current) || !Object.hasOwn(current, part)) return undefined;
    current = current[part];
  }
  return current;
}

/** A header value for a claim: strings as is, numbers and booleans printed, lists joined with commas. */
function headerValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const parts = value.map(headerValue);
    return parts.every((part): part is string => part !== undefined) ? parts.join(',') : undefined;
  }
  return undefined; // objects and null are not forwarded (Envoy skips them too)
}

// Header values must not smuggle CR, LF or NUL (or other controls apart from tab) to a backend.
function unsafeHeaderValue(value: string): boolean {
  for (let i = 0; i < value.length; i += 1) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

export function identityFromClaims(claims: JsonRecord, claimToHeaders: McpOAuthConfig['claimToHeaders']): McpIdentity {
  const forwardHeaders: [string, string][] = [];
  for (const { claim, header } of claimToHeaders) {
    const value = headerValue(lookupClaim(claims, claim));
    if (value !== undefined && !unsafeHeaderValue(value)) forwardHeaders.push([header.toLowerCase(), value]);
  }
  const subject = typeof claims.sub === 'string' ? claims.sub : undefined;
  return { ...(subject !== undefined ? { subject } : {}), claims, scopes: scopesOf(claims), forwardHeaders };
}
