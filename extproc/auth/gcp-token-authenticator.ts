import type { GoogleAuth } from 'google-auth-library';
import type { GCPAuth } from '../../contract/filter-config.js';
import { GatewayError } from '../errors/gateway-error.js';
import { isRecord } from '../../common/json-guards.js';
import type { BackendAuthenticator } from './backend-authenticator.js';
import { bearerTokenAuthenticator } from './bearer-token-authenticator.js';

const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/**
 * GCPCredentials: `Authorization: Bearer <token>` and the Vertex AI path prefix
 * `/v1/projects/{project}/locations/{region}/` in front of the translator's relative path.
 * Tokens come from `google-auth-library` (service account key, or Application Default
 * Credentials: GOOGLE_APPLICATION_CREDENTIALS, gcloud's file, the metadata server), which
 * caches and refreshes them.
 */
export function gcpTokenAuthenticator(auth: GCPAuth): BackendAuthenticator {
  // google-auth-library loads only in gateways with GCP backends, in the background (fast start).
  const credentials = auth.serviceAccountKey !== undefined ? serviceAccountKey(auth.serviceAccountKey) : undefined;
  const google: Promise<GoogleAuth> = import('google-auth-library').then(({ GoogleAuth }) => new GoogleAuth({ scopes: [SCOPE], ...(credentials ? { credentials } : {}) }));
  google.catch(() => undefined); // reported by the first request that needs it
  const prefix = `/v1/projects/${encodeURIComponent(auth.projectName)}/locations/${encodeURIComponent(auth.region)}/`;
  const token = async (): Promise<string> => {
    let value: string | null | undefined;
    try {
      value = await (await google).getAccessToken();
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new GatewayError('UPSTREAM_AUTH', 502, `could not get a GCP access token: ${reason ?? ''}`);
    }
    if (!value) throw new GatewayError('UPSTREAM_AUTH', 502, 'could not get a GCP access token: the credential returned none');
    return value;
  };
  return bearerTokenAuthenticator(auth.override, token, credentials?.private_key !== undefined ? [credentials.private_key] : [], (path) => prefix + path.replace(/^\/+/, ''));
}

/** The key file's JSON; the compiler checked it parses, so a failure here is a config bug. */
function serviceAccountKey(text: string): { client_email?: string; private_key?: string } {
  const parsed: unknown = JSON.parse(text);
  if (!isRecord(parsed)) throw new Error('the GCP service account key is not a JSON object');
  const email = parsed.client_email;
  const key = parsed.private_key;
  return { ...(typeof email === 'string' ? { client_email: email } : {}), ...(typeof key === 'string' ? { private_key: key } : {}) };
}
