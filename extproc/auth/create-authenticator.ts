import type { BackendAuth, SchemaName } from '../../contract/filter-config.js';
import { PROVIDERS } from '../../providers/providers.js';
import { awsSigV4Authenticator } from './aws-sigv4-authenticator.js';
import { azureTokenAuthenticator } from './azure-token-authenticator.js';
import type { BackendAuthenticator } from './backend-authenticator.js';
import { gcpTokenAuthenticator } from './gcp-token-authenticator.js';
import { keyAuthenticator } from './key-authenticator.js';

/** Used by backends without a BackendSecurityPolicy: adds nothing. */
export const NO_AUTH: BackendAuthenticator = {
  needsBody: false,
  readHeaders: [],
  removeHeaders: [],
  setHeaders: [],
  apply: () => Promise.resolve({ headers: [], secrets: [] }),
};

/**
 * The authenticator for one configured credential, by BackendSecurityPolicy type; the backend's
 * schema says where an APIKey goes.
 */
export function createAuthenticator(auth: BackendAuth | undefined, schema: SchemaName): BackendAuthenticator {
  if (!auth) return NO_AUTH;
  switch (auth.type) {
    case 'APIKey':
    case 'AzureAPIKey':
    case 'AnthropicAPIKey':
      return keyAuthenticator(auth, PROVIDERS[schema].apiKey);
    case 'AWSCredentials':
      return awsSigV4Authenticator(auth);
    case 'AzureCredentials':
      return azureTokenAuthenticator(auth);
    case 'GCPCredentials':
      return gcpTokenAuthenticator(auth);
  }
}
