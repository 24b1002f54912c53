import type { KeyAuth } from '../../contract/filter-config.js';
import type { KeyHeader } from '../../providers/provider-descriptor.js';
import type { BackendAuthenticator } from './backend-authenticator.js';
import { overrideValue } from './credential-override.js';

/**
 * The header of the key types named after a provider's header, which any schema gets alike
 * (APIKey's header is the schema's: ProviderDescriptor.apiKey).
 */
export const TYPED_KEY_HEADER: Record<Exclude<KeyAuth['type'], 'APIKey'>, KeyHeader> = {
  AzureAPIKey: { header: 'api-key' },
  AnthropicAPIKey: { header: 'x-api-key' },
};

/**
 * A key from a Secret in its header: APIKey where the schema takes one (`Authorization: Bearer`
 * for every upstream schema), AzureAPIKey in `api-key`, AnthropicAPIKey in `x-api-key`.
 */
export function keyAuthenticator(auth: KeyAuth, schemaKeyHeader: KeyHeader): BackendAuthenticator {
  const { header, scheme } = auth.type === 'APIKey' ? schemaKeyHeader : TYPED_KEY_HEADER[auth.type];
  const format = (key: string): string => (scheme ? `${scheme} ${key}` : key);
  const configured: [string, string][] = [[header, format(auth.key)]];
  const overrideHeader = auth.override?.header;
  return {
    needsBody: false,
    readHeaders: overrideHeader ? [overrideHeader] : [],
    removeHeaders: overrideHeader ? [overrideHeader] : [],
    setHeaders: [header],
    apply: (request) => {
      try {
        const override = overrideValue(auth.override, request.headers);
        return Promise.resolve({ headers: override === undefined ? configured : [[header, format(override)]], secrets: override === undefined ? [auth.key] : [override, auth.key] });
      } catch (error) {
        return Promise.reject(error instanceof Error ? error : new Error(String(error)));
      }
    },
  };
}
