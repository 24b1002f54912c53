import type { KeyAuth } from '../../contract/filter-config.js';
import type { BackendAuthenticator } from './backend-authenticator.js';
import { overrideValue } from './credential-override.js';

/** The request header each key credential type is sent in. */
export const KEY_HEADER: Record<KeyAuth['type'], string> = {
  APIKey: 'authorization',
  AzureAPIKey: 'api-key',
  AnthropicAPIKey: 'x-api-key',
};

/** APIKey (`Authorization: Bearer <key>`), AzureAPIKey (`api-key`), AnthropicAPIKey (`x-api-key`). */
export function keyAuthenticator(auth: KeyAuth): BackendAuthenticator {
  const header = KEY_HEADER[auth.type];
  const format = (key: string): string => (auth.type === 'APIKey' ? `Bearer ${key}` : key);
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
