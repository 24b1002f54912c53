import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { SignJWT, type JWK } from 'jose';

import { FakeIssuer, NOW, nowSeconds, oauthConfig, signingKey, type SigningKey } from '../../test/support/mcp-auth-test-kit.js';
import { createJwtVerifier, type VerifyOutcome } from './jwt-verifier.js';

// Keys published without `kid` (some issuers do), and tokens signed without one.
let first: SigningKey;
let second: SigningKey;
let ec: SigningKey;
let stranger: SigningKey;
let keys: JWK[];
const issuer = new FakeIssuer();

const withoutKid = ({ kid: _kid, ...jwk }: JWK): JWK => jwk;

before(async () => {
  [first, second, ec, stranger] = await Promise.all([signingKey('RS256', 'a'), signingKey('RS256', 'b'), signingKey('ES256', 'c'), signingKey('RS256', 'd')]);
  keys = [first, second, ec].map((key) => withoutKid(key.jwk));
  issuer.keys = keys;
  await issuer.start();
});
after(() => issuer.stop());

function kidless(key: SigningKey, claims: { iss?: string; aud?: string } = {}): Promise<string> {
  const jwt = new SignJWT({ sub: 'alice' })
    .setProtectedHeader({ alg: key.alg, typ: 'JWT' })
    .setIssuedAt(nowSeconds())
    .setExpirationTime(nowSeconds() + 300)
    .setIssuer(claims.iss ?? 'https://issuer.example.com')
    .setAudience(claims.aud ?? 'mcp-gateway');
  return jwt.sign(key.privateKey);
}

function reason(outcome: VerifyOutcome): string {
  return outcome.ok ? 'ok' : outcome.description;
}

const options = { fetch, now: () => NOW };

test('a token without kid is tried against every key of its type: the one that signed it verifies', async () => {
  const local = createJwtVerifier(oauthConfig('https://issuer.example.com', { type: 'local', json: JSON.stringify({ keys }) }), options);
  const remote = createJwtVerifier(oauthConfig('https://issuer.example.com', { type: 'remote', uri: issuer.jwksUri, cacheDurationSeconds: 300 }), options);
  for (const verify of [local, remote]) {
    for (const key of [first, second, ec]) {
      const outcome = await verify(await kidless(key));
      assert.ok(outcome.ok, `${key.kid}: ${reason(outcome)}`);
      assert.equal(outcome.claims.sub, 'alice');
    }
    // Signed by a key the JWKS does not hold: no candidate verifies.
    assert.equal(reason(await verify(await kidless(stranger))), 'The access token signature is invalid');
    // The signature verifies with the second candidate, the audience does not: rejected for the audience.
    assert.equal(reason(await verify(await kidless(second, { aud: 'someone-else' }))), 'The access token has an invalid aud claim');
  }
});

test('issuer unset: any iss is accepted; issuer set: iss must equal it', async () => {
  const jwks = { type: 'local', json: JSON.stringify({ keys }) } as const;
  const anyIssuer = createJwtVerifier(oauthConfig('https://issuer.example.com', jwks), options);
  assert.ok((await anyIssuer(await kidless(first, { iss: 'https://elsewhere.example.com' }))).ok);

  const pinned = createJwtVerifier(oauthConfig('https://issuer.example.com', jwks), { ...options, issuer: 'https://issuer.example.com' });
  assert.ok((await pinned(await kidless(first))).ok);
  assert.equal(reason(await pinned(await kidless(first, { iss: 'https://elsewhere.example.com' }))), 'The access token has an invalid iss claim');
  // Also after several candidate keys: the claim check applies to whichever key verified.
  assert.equal(reason(await pinned(await kidless(second, { iss: 'https://elsewhere.example.com' }))), 'The access token has an invalid iss claim');
});
