import type { CredentialOverride } from '../../contract/filter-config.js';
import { GatewayError } from '../errors/gateway-error.js';

/** 401 for a request whose per-request credential is required but missing (upstream's wording). */
export function missingCredential(detail?: string): GatewayError {
  return new GatewayError('UNAUTHORIZED', 401, detail ? `missing upstream credential: ${detail}` : 'missing upstream credential');
}

/**
 * The credential a request carries in its override header, if any. Absent and not allowed to
 * fall back: 401. Values are trimmed; an empty header counts as absent.
 */
export function overrideValue(override: CredentialOverride | undefined, headers: Readonly<Partial<Record<string, string>>>): string | undefined {
  if (!override) return undefined;
  const value = headers[override.header]?.trim();
  if (value) return value;
  if (!override.fallbackToConfigured) throw missingCredential();
  return undefined;
}
