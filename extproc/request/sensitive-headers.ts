/**
 * Which request headers carry credentials: their values are never logged (aigw redacts them in
 * Envoy's debug output) and never copied into telemetry (OTEL_AIGW_*_REQUEST_HEADER_ATTRIBUTES).
 */
import type { FilterConfig } from '../../contract/filter-config.js';
import { CLIENT_CREDENTIAL_HEADERS } from '../auth/client-credential-headers.js';

/**
 * Known credential headers: HTTP's own, every provider's (from the provider descriptors, so a new
 * provider's key header is covered without a name guess), and the gateway's default override headers.
 */
const CREDENTIAL_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  ...CLIENT_CREDENTIAL_HEADERS,
  'x-aigw-aws-access-key-id',
  'x-aigw-aws-secret-access-key',
  'x-aigw-aws-session-token',
  'x-aigw-azure-access-token',
]);

/**
 * Names that say "credential" (x-tenant-key, x-auth-token, my-secret, …): a backstop for headers
 * no descriptor knows, those a user sets in a headerMutation or maps into telemetry.
 */
const CREDENTIAL_NAME = /(?:^|[-_.])(?:auth|authorization|api-?key|key|token|secret|password|passwd|credentials?|cookie)(?:$|[-_.])/i;

/** Whether `name` (any case) carries a credential: a known one, one named like one, or one of `extra`. */
export function isCredentialHeader(name: string, extra: ReadonlySet<string> = new Set()): boolean {
  const lower = name.toLowerCase();
  return CREDENTIAL_HEADERS.has(lower) || extra.has(lower) || CREDENTIAL_NAME.test(lower);
}

/** The credential override headers this configuration reads (BackendSecurityPolicy credentialOverride). */
export function configuredCredentialHeaders(config: FilterConfig): Set<string> {
  const names = new Set<string>();
  for (const backend of config.backends) {
    const override = backend.auth?.override;
    if (!override) continue;
    if (backend.auth?.type === 'AWSCredentials') {
      // For AWS the header is the prefix of the three.
      const prefix = override.header || 'x-aigw-aws-';
      for (const suffix of ['access-key-id', 'secret-access-key', 'session-token']) names.add(`${prefix}${suffix}`.toLowerCase());
    } else if (override.header) {
      names.add(override.header.toLowerCase());
    }
  }
  return names;
}

/**
 * The credentials among headers a configuration sets on upstream requests (an AIServiceBackend
 * `headerMutation` with `Authorization: Bearer …`): the whole value and, after an auth scheme,
 * the token alone, since that is what a provider would quote back.
 */
export function credentialHeaderValues(headers: readonly { name: string; value: string }[]): string[] {
  return headers.filter((header) => isCredentialHeader(header.name)).flatMap((header) => {
    const token = /^[A-Za-z][A-Za-z0-9-]*\s+(\S.*)$/.exec(header.value.trim())?.[1];
    return token !== undefined ? [header.value, token] : [header.value];
  });
}
