import type { ClientSecretCredential } from '@azure/identity';
import type { AzureAuth } from '../filter-config.js';
import { GatewayError } from '../gateway-error.js';
import type { BackendAuthenticator } from './backend-authenticator.js';
import { bearerTokenAuthenticator } from './bearer-token-authenticator.js';
import { TokenCache } from './token-cache.js';

const SCOPE = 'https://cognitiveservices.azure.com/.default';
const DEFAULT_OVERRIDE_HEADER = 'x-aigw-azure-access-token';

/**
 * AzureCredentials: `Authorization: Bearer <Entra ID token>` for Azure OpenAI, from the client
 * credentials flow of `@azure/identity` (which also honours `AZURE_AUTHORITY_HOST` for sovereign
 * clouds). Upstream mints the token in its controller; aigw has none, so the ext_proc mints and
 * refreshes it, shared by all requests to the backend.
 */
export function azureTokenAuthenticator(auth: AzureAuth): BackendAuthenticator {
  // @azure/identity (and MSAL, ~300 modules) loads only in gateways with Azure backends, from here
  // in the background, so the ext_proc starts fast; the first token request waits for it.
  const credential: Promise<ClientSecretCredential> = import('@azure/identity').then(
    ({ ClientSecretCredential }) =>
      new ClientSecretCredential(auth.tenantId, auth.clientId, auth.clientSecret, {
        disableInstanceDiscovery: isPrivateAuthority(process.env.AZURE_AUTHORITY_HOST),
      }),
  );
  credential.catch(() => undefined); // reported by the first request that needs it
  const cache = new TokenCache(async () => {
    try {
      const token = await (await credential).getToken(SCOPE);
      return { token: token.token, expiresAt: token.expiresOnTimestamp };
    } catch (error) {
      // @azure/identity errors carry the tenant and the Entra error code, never the secret.
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new GatewayError('UPSTREAM_AUTH', 502, `could not get an Entra ID token for tenant ${auth.tenantId}: ${reason ?? ''}`);
    }
  });
  const override = auth.override ? { ...auth.override, header: auth.override.header || DEFAULT_OVERRIDE_HEADER } : undefined;
  return bearerTokenAuthenticator(override, () => cache.get(), [auth.clientSecret]);
}

/** Microsoft's public and sovereign cloud authorities, which MSAL validates through instance discovery. */
const CLOUD_AUTHORITIES = new Set(['login.microsoftonline.com', 'login.microsoftonline.us', 'login.chinacloudapi.cn', 'login.partner.microsoftonline.cn']);

/**
 * An authority host outside Microsoft's clouds (Azure Stack, a private or test endpoint): MSAL's
 * instance discovery would ask login.microsoftonline.com about it and fail, so it is skipped and
 * the host's own OpenID configuration is used.
 */
function isPrivateAuthority(authorityHost: string | undefined): boolean {
  if (!authorityHost) return false;
  try {
    return !CLOUD_AUTHORITIES.has(new URL(authorityHost).hostname);
  } catch {
    return false;
  }
}
