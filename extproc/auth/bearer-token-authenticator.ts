import type { CredentialOverride } from '../../contract/filter-config.js';
import type { BackendAuthenticator } from './backend-authenticator.js';
import { overrideValue } from './credential-override.js';

/**
 * `Authorization: Bearer <token>` from a token source (Entra ID, Google), or from the request's
 * override header when the policy has one; `rewritePath` adds a provider's path prefix (GCP).
 * The shape AzureCredentials and GCPCredentials share: only where the token comes from differs.
 * `configuredSecrets` (the client secret or key the token is minted with) are reported with the
 * token, so responses are scrubbed of both.
 */
export function bearerTokenAuthenticator(
  override: CredentialOverride | undefined,
  token: () => Promise<string>,
  configuredSecrets: readonly string[],
  rewritePath?: (path: string) => string,
): BackendAuthenticator {
  const overrideHeaders = override ? [override.header] : [];
  return {
    needsBody: false,
    readHeaders: overrideHeaders,
    removeHeaders: overrideHeaders,
    setHeaders: ['authorization'],
    async apply(request) {
      const bearer = overrideValue(override, request.headers) ?? (await token());
      return { ...(rewritePath ? { path: rewritePath(request.path) } : {}), headers: [['authorization', `Bearer ${bearer}`]], secrets: [bearer, ...configuredSecrets] };
    },
  };
}
