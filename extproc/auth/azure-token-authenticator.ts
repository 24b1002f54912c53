import type { AzureAuth } from '../../contract/filter-config.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { BackendAuthenticator } from './backend-authenticator.js';
import { bearerTokenAuthenticator } from './bearer-token-authenticator.js';
import { entraTokenSource } from './entra-client-credentials.js';
import { TokenCache } from './token-cache.js';

const SCOPE = 'https://cognitiveservices.azure.com/.default';
const DEFAULT_OVERRIDE_HEADER = 'x-aigw-azure-access-token';

/**
 * AzureCredentials: `Authorization: Bearer <Entra ID token>` for Azure OpenAI, from Entra ID's
 * client credentials grant (`AZURE_AUTHORITY_HOST` picks a sovereign cloud or a private
 * authority). Upstream mints the token in its controller; aigw has none, so the ext_proc mints and
 * refreshes it, shared by all requests to the backend.
 */
export function azureTokenAuthenticator(auth: AzureAuth): BackendAuthenticator {
  const requestToken = entraTokenSource(auth, { scope: SCOPE, authorityHost: process.env.AZURE_AUTHORITY_HOST || undefined });
  const cache = new TokenCache(async () => {
    try {
      return await requestToken();
    } catch (error) {
      // Entra ID's errors carry the tenant and the AADSTS code, never the secret.
      const reason = error instanceof Error ? error.message : String(error);
      throw new GatewayError('UPSTREAM_AUTH', 502, `could not get an Entra ID token for tenant ${auth.tenantId}: ${reason}`);
    }
  });
  const override = auth.override ? { ...auth.override, header: auth.override.header || DEFAULT_OVERRIDE_HEADER } : undefined;
  return bearerTokenAuthenticator(override, () => cache.get(), [auth.clientSecret]);
}
