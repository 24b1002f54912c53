import { PROVIDERS } from '../../providers/providers.js';
import { TYPED_KEY_HEADER } from './key-authenticator.js';

/**
 * Request headers a provider may read a credential from: every provider's own
 * (ProviderDescriptor.credentialHeaders and its APIKey header) and the typed key headers. A
 * backend whose BackendSecurityPolicy supplies the credential gets none of the client's, whatever
 * its provider: the provider would otherwise see two credentials, may pick the client's, and a
 * client's key meant for one provider would reach another.
 */
export const CLIENT_CREDENTIAL_HEADERS: readonly string[] = [
  ...new Set([
    ...Object.values(PROVIDERS).flatMap((provider) => [provider.apiKey.header, ...provider.credentialHeaders]),
    ...Object.values(TYPED_KEY_HEADER).map((key) => key.header),
  ]),
];
