// Verifies a bearer JWT as Envoy's jwt_authn provider would for `securityPolicy.oauth`: signature
// against the JWKS (a token without `kid` is tried against every key that fits its `alg`, as
// Envoy does), `aud` containing one of the audiences (when any are configured), `exp`/`nbf` with
// 60 s of clock skew (Envoy's default), and `iss` only when the provider names an issuer. Like
// Envoy, a token without `exp` is accepted. Tokens never reach a log line or an error text.

import { errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';

import type { Logger } from '../../common/logger.js';
import type { McpOAuthConfig } from '../../contract/mcp-config.js';
import { createRemoteJwks, parseJwks } from './remote-jwks.js';
import { isAigwError } from '../../common/errors.js';

const CLOCK_SKEW_SECONDS = 60;

export type VerifyOutcome =
  | { ok: true; claims: JWTPayload }
  | { ok: false; reason: 'invalid'; description: string }
  | { ok: false; reason: 'unavailable'; description: string };

export type JwtVerifier = (token: string) => Promise<VerifyOutcome>;

export interface JwtVerifierOptions {
  fetch: typeof fetch;
  now: () => number;
  logger?: Logger | undefined;
  /**
   * The `iss` every token must carry; unset, any issuer is accepted. MCPRoutes set none: the
   * Envoy JWT provider upstream builds from `oauth` names no issuer, so Envoy never compares
   * `iss` with `oauth.issuer` (which only names the authorization server in the metadata).
   */
  issuer?: string | undefined;
}

/** A short, token-free reason for the `error_description` of a 401. */
function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'The access token expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return 'The access token is not yet valid';
    return `The access token has an invalid ${error.claim} claim`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'The access token signature is invalid';
  if (error instanceof errors.JWKSNoMatchingKey) return 'The access token was not signed by a known key';
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) return 'The access token uses an unsupported algorithm';
  return 'The access token is invalid';
}

/** Throws (at route creation) when an inline JWKS cannot be used. */
export function createJwtVerifier(oauth: McpOAuthConfig, options: JwtVerifierOptions): JwtVerifier {
  let keys: JWTVerifyGetKey;
  if (oauth.jwks.type === 'local') {
    keys = parseJwks(oauth.jwks.json);
  } else {
    keys = createRemoteJwks({ uri: oauth.jwks.uri, cacheDurationSeconds: oauth.jwks.cacheDurationSeconds, fetch: options.fetch, now: options.now, logger: options.logger });
  }
  const audience = oauth.audiences.length > 0 ? oauth.audiences : undefined;

  const issuer = options.issuer;

  return async (token) => {
    try {
      const payload = await verifyAgainstKeys(token, keys, {
        ...(issuer !== undefined ? { issuer } : {}),
        ...(audience !== undefined ? { audience } : {}),
        clockTolerance: CLOCK_SKEW_SECONDS,
        currentDate: new Date(options.now()),
      });
      return { ok: true, claims: payload };
    } catch (error) {
      if (isAigwError(error, 'UPSTREAM')) return { ok: false, reason: 'unavailable', description: error.message };
      const description = describe(error);
      options.logger?.debug('MCP bearer token rejected', { issuer: oauth.issuer, reason: description });
      return { ok: false, reason: 'invalid', description };
    }
  };
}

/**
 * jwtVerify with the JWKS; when several keys fit (a token without `kid` against a JWKS of more
 * than one key of its type), each is tried in turn, as Envoy's jwt_authn does, instead of jose's
 * "multiple matching keys" rejection. Only a bad signature moves on to the next key: a token whose
 * signature verifies but whose claims fail is rejected for its claims.
 */
async function verifyAgainstKeys(token: string, keys: JWTVerifyGetKey, verifyOptions: JWTVerifyOptions): Promise<JWTPayload> {
  try {
    return (await jwtVerify(token, keys, verifyOptions)).payload;
  } catch (error) {
    if (!(error instanceof errors.JWKSMultipleMatchingKeys)) throw error;
    for await (const key of error) {
      try {
        return (await jwtVerify(token, key, verifyOptions)).payload;
      } catch (attempt) {
        if (!(attempt instanceof errors.JWSSignatureVerificationFailed)) throw attempt;
      }
    }
    throw new errors.JWSSignatureVerificationFailed();
  }
}
