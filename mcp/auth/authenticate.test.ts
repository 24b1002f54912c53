import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { McpRouteAuth, McpHttpAnswer, McpIdentity } from './mcp-route-auth.js';
import { bearer, FakeIssuer, mint, NOW, nowSeconds, oauthConfig, request, route, signingKey, type SigningKey } from '../../test/support/mcp-auth-test-kit.js';
import { createMcpRouteAuth } from './create-mcp-route-auth.js';
import { isAigwError } from '../../common/errors.js';

const issuer = new FakeIssuer();
let rsa: SigningKey;
let ec: SigningKey;
let stranger: SigningKey;

before(async () => {
  rsa = await signingKey('RS256', 'rsa-1');
  ec = await signingKey('ES256', 'ec-1');
  stranger = await signingKey('RS256', 'rsa-1'); // same kid, other key: a forged signature
  issuer.keys = [rsa.jwk, ec.jwk];
  await issuer.start();
});
after(() => issuer.stop());

function localAuth(extra: Parameters<typeof oauthConfig>[2] = {}): McpRouteAuth {
  const oauth = oauthConfig(issuer.issuer, { type: 'local', json: JSON.stringify({ keys: [rsa.jwk, ec.jwk] }) }, extra);
  return createMcpRouteAuth(route({ oauth }), { now: () => NOW });
}

async function identityOf(auth: McpRouteAuth, headers: Record<string, string>): Promise<McpIdentity> {
  const result = await auth.authenticate(request(headers));
  assert.ok('identity' in result, `expected an identity, got ${'answer' in result ? `${result.answer.status} ${result.answer.body}` : ''}`);
  return result.identity;
}

async function answerOf(auth: McpRouteAuth, headers: Record<string, string>): Promise<McpHttpAnswer> {
  const result = await auth.authenticate(request(headers));
  assert.ok('answer' in result, 'expected an answer');
  return result.answer;
}

const METADATA = 'resource_metadata="http://localhost:1975/.well-known/oauth-protected-resource/mcp"';

test('a route without a security policy is open: anonymous identity, no well-known documents', async () => {
  const auth = createMcpRouteAuth(route());
  assert.deepEqual(await identityOf(auth, {}), { claims: {}, scopes: [], forwardHeaders: [] });
  assert.equal(await auth.wellKnown(request({}, { method: 'GET', path: '/.well-known/oauth-protected-resource/mcp' })), undefined);
  assert.deepEqual(auth.authorize({ claims: {}, scopes: [], forwardHeaders: [] }, request(), { method: 'tools/call', backend: 'b', tool: 't', params: {} }), { allowed: true });
});

test('valid RS256 and ES256 tokens (inline JWKS) give subject, claims and scopes', async () => {
  const auth = localAuth();
  for (const key of [rsa, ec]) {
    const token = await mint(key, { sub: `user-${key.alg}`, scope: 'tools:read tools:write' }, { issuer: issuer.issuer, audience: 'mcp-gateway' });
    const identity = await identityOf(auth, bearer(token));
    assert.equal(identity.subject, `user-${key.alg}`);
    assert.deepEqual(identity.scopes, ['tools:read', 'tools:write']);
    assert.equal(identity.claims.iss, issuer.issuer);
  }
  // The scheme name is case-insensitive (RFC 7235).
  const token = await mint(rsa, { sub: 'u' }, { issuer: issuer.issuer, audience: 'mcp-gateway' });
  assert.equal((await identityOf(auth, { authorization: `bearer ${token}` })).subject, 'u');
});

test('missing token: 401 with the resource_metadata challenge and no error code', async () => {
  const auth = localAuth();
  const noToken: Record<string, string>[] = [{}, { authorization: 'Basic dXNlcjpwYXNz' }, { authorization: 'Bearer ' }];
  for (const headers of noToken) {
    const answer = await answerOf(auth, headers);
    assert.equal(answer.status, 401);
    assert.equal(answer.headers['www-authenticate'], `Bearer ${METADATA}, scope="tools:read tools:write"`);
    assert.equal(answer.body, 'missing bearer token');
    assert.equal(answer.headers['access-control-expose-headers'], 'www-authenticate, mcp-session-id');
  }
  // Envoy's x-forwarded-proto gives the scheme the client used.
  const result = await auth.authenticate(request({ 'x-forwarded-proto': 'https' }, { host: 'mcp.example.com' }));
  assert.ok('answer' in result);
  assert.match(result.answer.headers['www-authenticate'] ?? '', /resource_metadata="https:\/\/mcp\.example\.com\/\.well-known\/oauth-protected-resource\/mcp"/);
});

test('rejected tokens: 401 invalid_token for wrong audience, expired, not yet valid, bad signature, garbage', async () => {
  const auth = localAuth();
  const cases: [string, Promise<string>, string][] = [
    ['wrong audience', mint(rsa, { sub: 'u' }, { issuer: issuer.issuer, audience: 'someone-else' }), 'The access token has an invalid aud claim'],
    ['no audience', mint(rsa, { sub: 'u' }, { issuer: issuer.issuer }), 'The access token has an invalid aud claim'],
    ['expired beyond the 60 s skew', mint(rsa, { sub: 'u' }, { issuer: issuer.issuer, audience: 'mcp-gateway', expiresIn: -61 }), 'The access token expired'],
    ['not yet valid', mint(rsa, { sub: 'u' }, { issuer: issuer.issuer, audience: 'mcp-gateway', notBefore: nowSeconds() + 120 }), 'The access token is not yet valid'],
    ['bad signature', mint(stranger, { sub: 'u' }, { issuer: issuer.issuer, audience: 'mcp-gateway' }), 'The access token signature is invalid'],
    ['unknown kid', mint(rsa, { sub: 'u' }, { issuer: issuer.issuer, audience: 'mcp-gateway', kid: 'nope' }), 'The access token was not signed by a known key'],
    ['not a JWT', Promise.resolve('abc.def.ghi'), 'The access token is invalid'],
  ];
  for (const [name, tokenPromise, description] of cases) {
    const answer = await answerOf(auth, bearer(await tokenPromise));
    assert.equal(answer.status, 401, name);
    assert.equal(answer.headers['www-authenticate'], `Bearer error="invalid_token", error_description="${description}", ${METADATA}, scope="tools:read tools:write"`, name);
    assert.equal(answer.body, `invalid bearer token: ${description}`, name);
  }
  // Within the clock skew, an expired token still passes (Envoy's default skew is 60 s).
  const lateButOk = await mint(rsa, { sub: 'u' }, { issuer: issuer.issuer, audience: 'mcp-gateway', expiresIn: -30 });
  assert.equal((await identityOf(auth, bearer(lateButOk))).subject, 'u');
});

test("the token issuer is not compared with oauth.issuer (upstream's JWT provider names none)", async () => {
  const auth = localAuth();
  const token = await mint(rsa, { sub: 'u' }, { issuer: 'https://sts.other.example.com/tenant/', audience: 'mcp-gateway' });
  const identity = await identityOf(auth, bearer(token));
  assert.equal(identity.claims.iss, 'https://sts.other.example.com/tenant/');
});

test('no audiences configured: any aud (or none) is accepted', async () => {
  const auth = localAuth({ audiences: [] });
  const token = await mint(rsa, { sub: 'u' }, { issuer: issuer.issuer, audience: 'anything' });
  assert.equal((await identityOf(auth, bearer(token))).subject, 'u');
});

test('scopes come from `scope` (space-separated) or `scp` (string or list)', async () => {
  const auth = localAuth();
  const scopesFor = async (claims: Record<string, unknown>): Promise<string[]> => (await identityOf(auth, bearer(await mint(ec, claims, { issuer: issuer.issuer, audience: 'mcp-gateway' })))).scopes;
  assert.deepEqual(await scopesFor({ scope: ' a  b c ' }), ['a', 'b', 'c']);
  assert.deepEqual(await scopesFor({ scp: 'x y' }), ['x', 'y']);
  assert.deepEqual(await scopesFor({ scp: ['x', 'y', 3] }), ['x', 'y']);
  assert.deepEqual(await scopesFor({ scope: 'a', scp: ['ignored'] }), ['a']);
  assert.deepEqual(await scopesFor({}), []);
});

test('claimToHeaders: strings as is, numbers printed, lists joined with commas, nested claims, unsafe values dropped', async () => {
  const auth = localAuth({
    claimToHeaders: [
      { claim: 'sub', header: 'X-User' },
      { claim: 'groups', header: 'x-groups' },
      { claim: 'level', header: 'x-level' },
      { claim: 'org.team', header: 'x-team' },
      { claim: 'absent', header: 'x-absent' },
      { claim: 'object', header: 'x-object' },
      { claim: 'evil', header: 'x-evil' },
    ],
  });
  const token = await mint(rsa, { sub: 'alice', groups: ['eng', 'ops'], level: 3, org: { team: 'platform' }, object: { a: 1 }, evil: 'a\r\nx-injected: 1' }, { issuer: issuer.issuer, audience: 'mcp-gateway' });
  const identity = await identityOf(auth, bearer(token));
  assert.deepEqual(identity.forwardHeaders, [['x-user', 'alice'], ['x-groups', 'eng,ops'], ['x-level', '3'], ['x-team', 'platform']]);
});

test('remote JWKS: fetched once and cached for cacheDurationSeconds', async () => {
  let now = NOW;
  const oauth = oauthConfig(issuer.issuer, { type: 'remote', uri: issuer.jwksUri, cacheDurationSeconds: 300 });
  const auth = createMcpRouteAuth(route({ oauth }), { now: () => now });
  const hits = issuer.jwksHits;
  const token = await mint(rsa, { sub: 'u' }, { issuer: issuer.issuer, audience: 'mcp-gateway' });
  await Promise.all([identityOf(auth, bearer(token)), identityOf(auth, bearer(token))]);
  await identityOf(auth, bearer(token));
  assert.equal(issuer.jwksHits - hits, 1, 'one fetch for concurrent and later requests');
  now += 301_000;
  const fresh = await mint(ec, { sub: 'u' }, { issuer: issuer.issuer, audience: 'mcp-gateway', expiresIn: 600 });
  await identityOf(auth, bearer(fresh));
  assert.equal(issuer.jwksHits - hits, 2, 'refetched after the cache duration');
});

test('key rotation: a new kid is picked up by a refetch, rate-limited by a cooldown', async () => {
  let now = NOW;
  const rotated = new FakeIssuer();
  const oldKey = await signingKey('RS256', 'old');
  const newKey = await signingKey('ES256', 'new');
  rotated.keys = [oldKey.jwk];
  await rotated.start();
  try {
    const oauth = oauthConfig(rotated.issuer, { type: 'remote', uri: rotated.jwksUri, cacheDurationSeconds: 600 });
    const auth = createMcpRouteAuth(route({ oauth }), { now: () => now });
    const claims = { issuer: rotated.issuer, audience: 'mcp-gateway', expiresIn: 3600 };
    await identityOf(auth, bearer(await mint(oldKey, { sub: 'u' }, claims)));
    rotated.keys = [oldKey.jwk, newKey.jwk];
    const newToken = await mint(newKey, { sub: 'v' }, claims);
    // Right after a fetch, an unknown kid does not trigger another one (cooldown).
    assert.equal((await answerOf(auth, bearer(newToken))).status, 401);
    assert.equal(rotated.jwksHits, 1);
    // After the cooldown (30 s), the unknown kid triggers a refetch and verifies.
    now += 31_000;
    assert.equal((await identityOf(auth, bearer(newToken))).subject, 'v');
    assert.equal(rotated.jwksHits, 2);
    // The old key is dropped; after the cache duration, it is gone.
    rotated.keys = [newKey.jwk];
    now += 601_000;
    assert.equal((await answerOf(auth, bearer(await mint(oldKey, { sub: 'u' }, claims)))).status, 401);
    assert.equal((await identityOf(auth, bearer(newToken))).subject, 'v');
  } finally {
    await rotated.stop();
  }
});

test('JWKS endpoint down: 503 (not 401); stale keys keep working; recovers when it is back', async () => {
  let now = NOW;
  const flaky = new FakeIssuer();
  const key = await signingKey('RS256', 'k');
  flaky.keys = [key.jwk];
  await flaky.start();
  const uri = flaky.jwksUri;
  await flaky.stop();
  const oauth = oauthConfig(flaky.issuer, { type: 'remote', uri, cacheDurationSeconds: 60 });
  const auth = createMcpRouteAuth(route({ oauth }), { now: () => now });
  const token = await mint(key, { sub: 'u' }, { issuer: flaky.issuer, audience: 'mcp-gateway', expiresIn: 3600 });
  const down = await answerOf(auth, bearer(token));
  assert.equal(down.status, 503);
  assert.equal(down.headers['www-authenticate'], undefined);
  assert.match(down.body, /JWKS/);
  // A missing token is still a 401: no keys are needed to see that.
  assert.equal((await answerOf(auth, {})).status, 401);
  try {
    await flaky.start();
    // Within the failure backoff (5 s), no new attempt is made.
    assert.equal((await answerOf(auth, bearer(token))).status, 503);
    now += 6_000;
    assert.equal((await identityOf(auth, bearer(token))).subject, 'u');
    // The endpoint goes down again after keys were fetched: expired cache, the stale keys are used.
    await flaky.stop();
    now += 120_000;
    assert.equal((await identityOf(auth, bearer(token))).subject, 'u');
  } finally {
    await flaky.stop();
  }
});

test('an unusable inline JWKS or CEL fails at creation with the route name', () => {
  const bad = oauthConfig('https://issuer.example.com', { type: 'local', json: '{"nope":1}' });
  assert.throws(() => createMcpRouteAuth(route({ oauth: bad })), (error: unknown) => isAigwError(error, 'CONFIG') && /default\/mcp-route: oauth\.jwks/.test(error.message));
  assert.throws(
    () => createMcpRouteAuth(route({ authorization: { defaultAction: 'Deny', rules: [{ action: 'Allow', cel: 'request.method ==' }] } })),
    (error: unknown) => isAigwError(error, 'CONFIG') && /authorization\.rules\[0\]\.cel/.test(error.message),
  );
});
