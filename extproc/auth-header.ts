import type { BackendAuth } from './filter-config.js';

/** The request header each static credential type is sent in. */
export const AUTH_HEADER_NAME: Record<BackendAuth['type'], string> = {
  APIKey: 'authorization',
  AzureAPIKey: 'api-key',
  AnthropicAPIKey: 'x-api-key',
};

/** `[header, value]` for a backend's credential: `Authorization: Bearer <key>`, `api-key: <key>`, `x-api-key: <key>`. */
export function authHeader(auth: BackendAuth): [string, string] {
  return [AUTH_HEADER_NAME[auth.type], auth.type === 'APIKey' ? `Bearer ${auth.key}` : auth.key];
}
