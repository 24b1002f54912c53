// A remote JWKS with an explicit cache instead of jose's createRemoteJWKSet, so that the clock and
// fetch are injectable and "the JWKS endpoint is down" can be told apart from "the token is bad":
// - keys are refetched once older than `cacheDurationSeconds` (remoteJWKS.cacheDuration);
// - a token with an unknown `kid` triggers a refetch (key rotation), at most once per cooldown, so
//   tokens with made-up kids cannot hammer the issuer;
// - when a refetch fails, the previous keys stay in use (as Envoy's jwt_authn does); only when
//   there are no keys at all, or a rotation refetch fails, verification is "unavailable".

import { createLocalJWKSet, errors, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from 'jose';

import { isRecord } from '../../common/json-guards.js';
import type { Logger } from '../../common/logger.js';
import { AigwError } from '../../common/errors.js';

const FETCH_TIMEOUT_MS = 5_000;
const MAX_JWKS_BYTES = 1 << 20;
/** Minimum time between refetches triggered by an unknown `kid` (jose uses 30 s too). */
const ROTATION_COOLDOWN_MS = 30_000;
/** After a failed fetch, requests do not retry before this, so a down endpoint is not hammered. */
const FAILURE_BACKOFF_MS = 5_000;

export interface RemoteJwksOptions {
  uri: string;
  cacheDurationSeconds: number;
  fetch: typeof fetch;
  now: () => number;
  logger?: Logger | undefined;
}

function isJwk(value: unknown): value is JWK {
  return isRecord(value) && typeof value.kty === 'string';
}

function isJwks(value: unknown): value is JSONWebKeySet {
  return isRecord(value) && Array.isArray(value.keys) && value.keys.every(isJwk);
}

/** Parses a JWKS document (remote or the inline localJWKS); throws with a short reason. */
export function parseJwks(text: string): ReturnType<typeof createLocalJWKSet> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error('the JWKS is not valid JSON');
  }
  if (!isJwks(json)) throw new Error('the JWKS has no "keys" list of JWKs');
  return createLocalJWKSet(json);
}

export function createRemoteJwks(options: RemoteJwksOptions): JWTVerifyGetKey {
  const cacheMs = Math.max(0, options.cacheDurationSeconds * 1000);
  let keys: ReturnType<typeof createLocalJWKSet> | undefined;
  let fetchedAt = Number.NEGATIVE_INFINITY;
  let failedAt = Number.NEGATIVE_INFINITY;
  let lastError = '';
  let inFlight: Promise<boolean> | undefined;

  async function download(): Promise<void> {
    const response = await options.fetch(options.uri, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`status ${response.status}`);
    const text = await response.text();
    if (text.length > MAX_JWKS_BYTES) throw new Error('the JWKS is larger than 1 MiB');
    keys = parseJwks(text);
    fetchedAt = options.now();
  }

  /** Refetches (one download at a time); false when it failed. */
  function refresh(): Promise<boolean> {
    if (options.now() - failedAt < FAILURE_BACKOFF_MS) return Promise.resolve(false);
    inFlight ??= download()
      .then(() => true)
      .catch((error: unknown) => {
        failedAt = options.now();
        lastError = error instanceof Error ? error.message : String(error);
        options.logger?.warn('cannot fetch the MCP OAuth JWKS', { uri: options.uri, error: lastError });
        return false;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  }

  const unavailable = (): AigwError => new AigwError('UPSTREAM', `the JWKS at ${options.uri} cannot be fetched (${lastError || 'not yet fetched'})`);

  return async (header, token) => {
    if (keys === undefined || options.now() - fetchedAt >= cacheMs) await refresh();
    if (keys === undefined) throw unavailable();
    try {
      return await keys(header, token);
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw error;
      if (options.now() - fetchedAt < Math.min(ROTATION_COOLDOWN_MS, cacheMs)) throw error;
      if (!(await refresh())) throw unavailable();
      return keys(header, token);
    }
  };
}
