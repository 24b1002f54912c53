// The issuer's own metadata, fetched and cached, for clients that look for it on the MCP server:
// 2025-03-26 clients fetch `/.well-known/oauth-authorization-server` from the MCP server's origin,
// and some later clients try the OIDC name there too. Upstream bakes the document into an Envoy
// direct response at reconcile time; here it is fetched on demand and cached.

import { isRecord, type JsonRecord } from '../../common/json-guards.js';
import type { Logger } from '../../common/logger.js';

const FETCH_TIMEOUT_MS = 5_000;
const CACHE_MS = 5 * 60_000;
const MAX_BYTES = 1 << 20;

export type MetadataKind = 'oauth' | 'oidc';

/**
 * Where an issuer publishes its metadata, in the order to try for each kind: RFC 8414 inserts the
 * well-known segment before the issuer's path, OIDC Discovery appends it (the "Keycloak" form),
 * and some servers insert the OIDC name as well (listed by MCP 2025-11-25).
 */
export function metadataUrls(issuer: string, kind: MetadataKind): string[] {
  const url = new URL(issuer);
  const path = url.pathname.replace(/\/+$/, '');
  const rfc8414 = `${url.origin}/.well-known/oauth-authorization-server${path}`;
  const oidcAppended = `${url.origin}${path}/.well-known/openid-configuration`;
  const oidcInserted = `${url.origin}/.well-known/openid-configuration${path}`;
  const urls = kind === 'oauth' ? [rfc8414, oidcAppended, oidcInserted] : [oidcAppended, oidcInserted, rfc8414];
  return [...new Set(urls)];
}

export interface AuthorizationServerMetadata {
  /** The issuer's metadata document, or an Error saying why none could be fetched. */
  get(kind: MetadataKind): Promise<JsonRecord | Error>;
}

export function createAuthorizationServerMetadata(issuer: string, options: { fetch: typeof fetch; now: () => number; logger?: Logger | undefined }): AuthorizationServerMetadata {
  const cache = new Map<MetadataKind, { document: JsonRecord; expiresAt: number }>();
  const inFlight = new Map<MetadataKind, Promise<JsonRecord | Error>>();

  async function fetchDocument(url: string): Promise<JsonRecord> {
    const response = await options.fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`${url}: status ${response.status}`);
    const text = await response.text();
    if (text.length > MAX_BYTES) throw new Error(`${url}: larger than 1 MiB`);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`${url}: not JSON`);
    }
    if (!isRecord(json)) throw new Error(`${url}: not a JSON object`);
    if (json.issuer !== undefined && json.issuer !== issuer) {
      // RFC 8414 §3.3 makes clients reject this; say so in the log, the client will say it too.
      options.logger?.warn('the authorization server metadata names another issuer', { url, issuer, documentIssuer: JSON.stringify(json.issuer) });
    }
    return json;
  }

  async function load(kind: MetadataKind): Promise<JsonRecord | Error> {
    let urls: string[];
    try {
      urls = metadataUrls(issuer, kind);
    } catch {
      return new Error(`the issuer ${JSON.stringify(issuer)} is not a URL`);
    }
    const failures: string[] = [];
    for (const url of urls) {
      try {
        const document = await fetchDocument(url);
        cache.set(kind, { document, expiresAt: options.now() + CACHE_MS });
        return document;
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
    options.logger?.warn('cannot fetch the authorization server metadata', { issuer, errors: failures });
    return new Error(`cannot fetch the metadata of ${issuer} (${failures.join('; ')})`);
  }

  return {
    get(kind) {
      const cached = cache.get(kind);
      if (cached !== undefined && cached.expiresAt > options.now()) return Promise.resolve(cached.document);
      let pending = inFlight.get(kind);
      if (pending === undefined) {
        pending = load(kind).finally(() => inFlight.delete(kind));
        inFlight.set(kind, pending);
      }
      return pending;
    },
  };
}
