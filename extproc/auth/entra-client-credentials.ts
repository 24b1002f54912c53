/**
 * Microsoft Entra ID's OAuth 2.0 client credentials grant with a client secret: one form POST to
 * the tenant's token endpoint. That is all AzureCredentials needs, so aigw sends it with `fetch`
 * instead of loading `@azure/identity` + MSAL (about 46 MB installed, most of it for flows aigw
 * does not use). The behaviour follows what `ClientSecretCredential` did for this flow:
 * `AZURE_AUTHORITY_HOST` (https only) picks the cloud; Microsoft's clouds use their fixed v2.0
 * token endpoint; any other authority (Azure Stack, a private or test endpoint) is asked for its
 * OpenID configuration first; throttling and server errors are retried a couple of times.
 * Protocol reference: https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
 */
import { isRecord, optionalString, type JsonRecord } from '../../common/json-guards.js';
import type { ExpiringToken } from './token-cache.js';
import { AigwError } from '../../common/errors.js';

export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com';

/** Microsoft's public and sovereign cloud authorities, whose token endpoint needs no discovery. */
const CLOUD_AUTHORITIES = new Set(['login.microsoftonline.com', 'login.microsoftonline.us', 'login.chinacloudapi.cn', 'login.partner.microsoftonline.cn']);

/** A tenant id or domain goes into the URL path: nothing that could change the path. */
const TENANT_ID = /^[0-9a-zA-Z.-]+$/;

/** Each attempt is bounded, so a hung endpoint cannot hold every request waiting for the token. */
const ATTEMPT_TIMEOUT_MS = 30_000;
/** Delays before the retries of a throttled (429), failed (5xx) or unreachable endpoint. */
const RETRY_DELAYS_MS = [500, 1_500];

export interface EntraClientCredentials {
  tenantId: string;
  clientId: string;
  clientSecret: string;
}

export interface EntraTokenOptions {
  scope: string;
  /** `AZURE_AUTHORITY_HOST`; defaults to the public cloud. */
  authorityHost?: string | undefined;
  /** Injected by tests. */
  fetch?: typeof fetch;
  now?: () => number;
  retryDelaysMs?: readonly number[];
}

/**
 * Returns a function that requests a fresh token on each call (caching is the caller's job).
 * The token endpoint is resolved on first use and kept once it resolved.
 */
export function entraTokenSource(credentials: EntraClientCredentials, options: EntraTokenOptions): () => Promise<ExpiringToken> {
  const fetchImpl = options.fetch ?? fetch;
  const now = options.now ?? Date.now;
  const retryDelays = options.retryDelaysMs ?? RETRY_DELAYS_MS;
  let tokenEndpoint: Promise<string> | undefined;
  return async () => {
    tokenEndpoint ??= resolveTokenEndpoint(credentials.tenantId, options.authorityHost, fetchImpl, retryDelays).catch((error: unknown) => {
      tokenEndpoint = undefined; // a failed discovery is tried again by the next request
      throw error;
    });
    const endpoint = await tokenEndpoint;
    const form = new URLSearchParams({ client_id: credentials.clientId, client_secret: credentials.clientSecret, scope: options.scope, grant_type: 'client_credentials' });
    const requestedAt = now();
    const body = await requestJson(fetchImpl, endpoint, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form.toString() }, retryDelays);
    const token = optionalString(body.access_token);
    const expiresIn = Number(body.expires_in); // a number from Entra ID, a string from some ADFS versions
    if (!token || !Number.isFinite(expiresIn) || expiresIn <= 0) throw new AigwError('UPSTREAM', 'the token endpoint answered without access_token and expires_in');
    return { token, expiresAt: requestedAt + expiresIn * 1000 };
  };
}

async function resolveTokenEndpoint(tenantId: string, authorityHost: string | undefined, fetchImpl: typeof fetch, retryDelays: readonly number[]): Promise<string> {
  if (!TENANT_ID.test(tenantId)) throw new AigwError('UPSTREAM', `invalid tenant id ${JSON.stringify(tenantId)}: only letters, digits, "-" and "."`);
  const authority = parseAuthorityHost(authorityHost ?? DEFAULT_AUTHORITY_HOST);
  if (CLOUD_AUTHORITIES.has(authority.hostname)) return `${authority.origin}/${tenantId}/oauth2/v2.0/token`;
  // ADFS (tenant "adfs") publishes its configuration without the v2.0 segment.
  const configuration = tenantId.toLowerCase() === 'adfs' ? `${authority.href}adfs/.well-known/openid-configuration` : `${authority.href}${tenantId}/v2.0/.well-known/openid-configuration`;
  const body = await requestJson(fetchImpl, configuration, { method: 'GET' }, retryDelays);
  const endpoint = optionalString(body.token_endpoint);
  if (!endpoint || !isHttpsUrl(endpoint)) throw new AigwError('UPSTREAM', `${configuration} has no https token_endpoint`);
  return endpoint;
}

/** The authority as a URL ending in "/"; a plain-HTTP authority is refused, as it would carry the secret in the clear. */
function parseAuthorityHost(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AigwError('UPSTREAM', `AZURE_AUTHORITY_HOST is not a URL: ${JSON.stringify(raw)}`);
  }
  if (url.protocol !== 'https:') throw new AigwError('UPSTREAM', `AZURE_AUTHORITY_HOST must use https, got ${JSON.stringify(raw)}`);
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.search = '';
  url.hash = '';
  return url;
}

function isHttpsUrl(value: string): boolean {
  try {
    return new URL(value).protocol === 'https:';
  } catch {
    return false;
  }
}

/** One JSON request with retries; an OAuth error body becomes `<error>: <first line of error_description>`. */
async function requestJson(fetchImpl: typeof fetch, url: string, init: RequestInit, retryDelays: readonly number[]): Promise<JsonRecord> {
  for (let attempt = 0; ; attempt++) {
    const retryDelay = retryDelays[attempt];
    let response: Response;
    try {
      // redirect: 'error': a redirect would resend the client secret to wherever it points.
      response = await fetchImpl(url, { ...init, redirect: 'error', signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS) });
    } catch (error) {
      if (retryDelay !== undefined) {
        await delay(retryDelay);
        continue;
      }
      throw new AigwError('UPSTREAM', `${new URL(url).origin} unreachable: ${describeFetchError(error)}`);
    }
    const text = await response.text();
    if ((response.status === 429 || response.status >= 500) && retryDelay !== undefined) {
      await delay(retryDelay);
      continue;
    }
    const parsed = parseJson(text);
    if (!response.ok) {
      const code = optionalString(parsed?.error);
      const description = optionalString(parsed?.error_description)?.split(/\r?\n/)[0];
      throw new AigwError('UPSTREAM', code ? `${code}${description ? `: ${description}` : ''}` : `HTTP ${response.status} from ${new URL(url).origin}`);
    }
    if (!parsed) throw new AigwError('UPSTREAM', `HTTP ${response.status} from ${new URL(url).origin} is not a JSON object`);
    return parsed;
  }
}

function parseJson(text: string): JsonRecord | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** fetch's TypeError says only "fetch failed"; the reason (ECONNREFUSED, a certificate error) is its cause. */
function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
