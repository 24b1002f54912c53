import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import type { McpHttpAnswer, McpRouteAuth } from './mcp-route-auth.js';
import { FakeIssuer, ISSUER_PATH, NOW, oauthConfig, request, route } from '../../test/support/mcp-auth-test-kit.js';
import { metadataUrls } from './authorization-server-metadata.js';
import { createMcpRouteAuth } from './create-mcp-route-auth.js';

const issuer = new FakeIssuer();
before(() => issuer.start());
after(() => issuer.stop());

function auth(path = '/mcp', now = (): number => NOW): McpRouteAuth {
  const oauth = oauthConfig(issuer.issuer, { type: 'local', json: '{"keys":[]}' }, {
    protectedResourceMetadata: {
      resource: 'https://gateway.example.com/mcp',
      resourceName: 'Test MCP',
      resourceDocumentation: 'https://docs.example.com/mcp',
      resourcePolicyUri: 'https://docs.example.com/policy',
      resourceSigningAlgValuesSupported: ['RS256'],
      scopesSupported: ['tools:read'],
    },
  });
  return createMcpRouteAuth(route({ oauth, path }), { now });
}

async function get(routeAuth: McpRouteAuth, path: string, method = 'GET'): Promise<McpHttpAnswer | undefined> {
  return routeAuth.wellKnown(request({}, { method, path }));
}

function json(answer: McpHttpAnswer | undefined): unknown {
  assert.ok(answer);
  assert.equal(answer.status, 200, answer.body);
  assert.equal(answer.headers['content-type'], 'application/json');
  return JSON.parse(answer.body);
}

test('protected resource metadata (RFC 9728) at the path-inserted and root locations, with CORS', async () => {
  const routeAuth = auth();
  const expected = {
    resource: 'https://gateway.example.com/mcp',
    authorization_servers: [issuer.issuer],
    bearer_methods_supported: ['header'],
    scopes_supported: ['tools:read'],
    resource_name: 'Test MCP',
    resource_documentation: 'https://docs.example.com/mcp',
    resource_policy_uri: 'https://docs.example.com/policy',
    resource_signing_alg_values_supported: ['RS256'],
  };
  for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource', '/.well-known/oauth-protected-resource/mcp/']) {
    const answer = await get(routeAuth, path);
    assert.deepEqual(json(answer), expected, path);
    assert.equal(answer?.headers['access-control-allow-origin'], '*');
  }
  const preflight = await get(routeAuth, '/.well-known/oauth-protected-resource/mcp', 'OPTIONS');
  assert.equal(preflight?.status, 204);
  assert.equal(preflight?.headers['access-control-allow-headers'], 'mcp-protocol-version');
  const post = await get(routeAuth, '/.well-known/oauth-protected-resource/mcp', 'POST');
  assert.equal(post?.status, 405);
  assert.equal(post?.headers.allow, 'GET, HEAD, OPTIONS');
  // Other paths are not well-known documents; the MCP endpoint itself is left to the proxy.
  assert.equal(await get(routeAuth, '/mcp'), undefined);
  assert.equal(await get(routeAuth, '/.well-known/oauth-protected-resource/other'), undefined);
  // A route at another path serves that path (and the resource's own path).
  const nested = auth('/team/a/mcp');
  assert.equal((await get(nested, '/.well-known/oauth-protected-resource/team/a/mcp'))?.status, 200);
  assert.equal((await get(nested, '/.well-known/oauth-protected-resource/mcp'))?.status, 200);
});

test('metadata URLs of an issuer: RFC 8414 inserted, OIDC appended and inserted', () => {
  assert.deepEqual(metadataUrls('https://idp.example.com/realms/a/', 'oauth'), [
    'https://idp.example.com/.well-known/oauth-authorization-server/realms/a',
    'https://idp.example.com/realms/a/.well-known/openid-configuration',
    'https://idp.example.com/.well-known/openid-configuration/realms/a',
  ]);
  assert.deepEqual(metadataUrls('https://idp.example.com', 'oidc'), ['https://idp.example.com/.well-known/openid-configuration', 'https://idp.example.com/.well-known/oauth-authorization-server']);
});

test('authorization server metadata is fetched from the issuer, cached, and falls back between forms', async () => {
  let now = NOW;
  const routeAuth = auth('/mcp', () => now);
  issuer.metadataHits = [];
  const oauthDoc = json(await get(routeAuth, '/.well-known/oauth-authorization-server/mcp'));
  assert.deepEqual(oauthDoc, {
    issuer: issuer.issuer,
    authorization_endpoint: `${issuer.issuer}/auth`,
    token_endpoint: `${issuer.issuer}/token`,
    jwks_uri: issuer.jwksUri,
    served_from: `/.well-known/oauth-authorization-server${ISSUER_PATH}`,
  });
  // The 2025-03-26 location (the MCP server's root) serves the same document, from the cache.
  json(await get(routeAuth, '/.well-known/oauth-authorization-server'));
  assert.equal(issuer.metadataHits.length, 1);
  // The OIDC name is fetched from the issuer's OIDC location.
  const oidc = json(await get(routeAuth, '/.well-known/openid-configuration/mcp'));
  assert.deepEqual(oidc && typeof oidc === 'object' && 'served_from' in oidc ? oidc.served_from : undefined, `${ISSUER_PATH}/.well-known/openid-configuration`);
  // After the cache expires and without RFC 8414 support (Keycloak), the OIDC document is used.
  now += 6 * 60_000;
  issuer.missing.add(`/.well-known/oauth-authorization-server${ISSUER_PATH}`);
  try {
    const fallback = json(await get(routeAuth, '/.well-known/oauth-authorization-server/mcp'));
    assert.deepEqual(fallback && typeof fallback === 'object' && 'served_from' in fallback ? fallback.served_from : undefined, `${ISSUER_PATH}/.well-known/openid-configuration`);
  } finally {
    issuer.missing.clear();
  }
});

test('an unreachable issuer gives a 502 with a clear message', async () => {
  const down = new FakeIssuer();
  await down.start();
  await down.stop();
  const oauth = oauthConfig(down.issuer, { type: 'local', json: '{"keys":[]}' });
  const routeAuth = createMcpRouteAuth(route({ oauth }), { now: () => NOW });
  const answer = await get(routeAuth, '/.well-known/oauth-authorization-server/mcp');
  assert.equal(answer?.status, 502);
  assert.match(answer?.body ?? '', /^authorization server metadata unavailable: cannot fetch the metadata of http:\/\/127\.0\.0\.1:\d+\/realms\/test/);
  assert.equal(answer?.headers['content-type'], 'text/plain; charset=utf-8');
});
