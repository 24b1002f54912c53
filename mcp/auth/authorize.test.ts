import assert from 'node:assert/strict';
import { test } from 'node:test';

import { createLogger } from '../../common/logger.js';
import type { McpAuthorizationConfig, McpAuthorizationRule } from '../../contract/mcp-config.js';
import type { McpCall, McpHttpRequest, McpIdentity, McpRouteAuth } from './mcp-route-auth.js';
import { oauthConfig, request, route } from '../../test/support/mcp-auth-test-kit.js';
import { createMcpRouteAuth } from './create-mcp-route-auth.js';
import { MAX_COST } from './cel-predicate.js';

const oauth = oauthConfig('https://issuer.example.com', { type: 'local', json: '{"keys":[]}' });

function who(claims: Record<string, unknown> = {}, scopes: string[] = []): McpIdentity {
  return { ...(typeof claims.sub === 'string' ? { subject: claims.sub } : {}), claims, scopes, forwardHeaders: [] };
}

const call = (backend: string, tool: string, params: unknown = {}): McpCall => ({ method: 'tools/call', backend, tool, params });

function rulesAuth(rules: McpAuthorizationRule[], defaultAction: McpAuthorizationConfig['defaultAction'] = 'Deny', withOAuth = true, warnings: string[] = []): McpRouteAuth {
  const logger = createLogger('warn', (line) => warnings.push(line));
  return createMcpRouteAuth(route({ ...(withOAuth ? { oauth } : {}), authorization: { defaultAction, rules } }), { logger });
}

function allowed(auth: McpRouteAuth, identity: McpIdentity, c: McpCall, req: McpHttpRequest = request()): boolean {
  return auth.authorize(identity, req, c).allowed;
}

test('CEL over request headers, method, path and mcp.tool (request.* and top-level mcp.*)', () => {
  const auth = rulesAuth([
    { action: 'Deny', cel: 'request.headers["x-tenant"] == "blocked"' },
    { action: 'Allow', cel: 'request.mcp.tool == "echo" && request.method == "POST" && request.path == "/mcp"' },
    { action: 'Allow', cel: 'mcp.tool.startsWith("read_") && mcp.method == "tools/call"' },
  ]);
  assert.equal(allowed(auth, who(), call('b', 'echo')), true);
  assert.equal(allowed(auth, who(), call('b', 'echo'), request({ 'x-tenant': 'blocked' })), false);
  assert.equal(allowed(auth, who(), call('b', 'read_file')), true);
  assert.equal(allowed(auth, who(), call('b', 'write_file')), false);
  assert.equal(allowed(auth, who(), call('b', 'echo'), request({}, { method: 'GET' })), false);
});

test('CEL over claims, scopes, backend and params; headers_all lists the header value', () => {
  const auth = rulesAuth([
    { action: 'Allow', cel: 'request.mcp.backend in request.auth.jwt.claims.backends && "tools:call" in request.auth.jwt.scopes' },
    { action: 'Allow', cel: 'auth.jwt.claims.org.teams.exists(t, t == "sre") && request.headers_all["x-a"] == ["1"]' },
    { action: 'Allow', cel: 'request.mcp.params.arguments.env == "staging"' },
  ]);
  assert.equal(allowed(auth, who({ backends: ['kiwi'] }, ['tools:call']), call('kiwi', 't')), true);
  assert.equal(allowed(auth, who({ backends: ['kiwi'] }, []), call('kiwi', 't')), false);
  assert.equal(allowed(auth, who({ org: { teams: ['dev', 'sre'] } }), call('x', 't'), request({ 'x-a': '1' })), true);
  assert.equal(allowed(auth, who(), call('x', 't', { arguments: { env: 'staging' } })), true);
  assert.equal(allowed(auth, who(), call('x', 't', { arguments: { env: 'prod' } })), false);
});

test('optional syntax, as upstream documents it, reads absent arguments and claims safely', () => {
  const warnings: string[] = [];
  const auth = rulesAuth([
    { action: 'Deny', cel: 'request.mcp.params.?arguments.?environment.orValue("") == "production"' },
    { action: 'Allow', cel: 'request.auth.jwt.claims.?team.orValue("") == "payments" || request.auth.jwt.claims[?"role"].hasValue()' },
  ], 'Deny', true, warnings);
  assert.equal(allowed(auth, who({ team: 'payments' }), call('deploy', 'run', { arguments: { environment: 'production' } })), false);
  assert.equal(allowed(auth, who({ team: 'payments' }), call('deploy', 'run', { arguments: { environment: 'staging' } })), true);
  assert.equal(allowed(auth, who({ team: 'payments' }), { method: 'tools/list', params: null }), true);
  assert.equal(allowed(auth, who({ role: 'x' }), call('deploy', 'run', {})), true);
  assert.equal(allowed(auth, who({ team: 'checkout' }), call('deploy', 'run', {})), false);
  assert.deepEqual(warnings, [], 'optional access never errors');
});

test('a CEL error or non-boolean result means no match, and is logged without request values', () => {
  const warnings: string[] = [];
  const auth = rulesAuth([
    { action: 'Deny', cel: 'request.mcp.params.arguments.environment == "production"' },
    { action: 'Deny', cel: '"not a bool"' },
    { action: 'Allow' },
  ], 'Deny', true, warnings);
  assert.equal(allowed(auth, who(), call('b', 't', { secret: 'hunter2' }), request({ authorization: 'Bearer tok' })), true);
  assert.equal(warnings.length, 2);
  assert.match(warnings[0] ?? '', /authorization\.rules\[0\]/);
  assert.doesNotMatch(warnings.join(''), /hunter2|Bearer tok/);
});

test('source.jwt claims: String needs a listed string, StringArray any listed element (or a lone string); dotted names', () => {
  const auth = rulesAuth([
    { action: 'Allow', jwt: { scopes: [], claims: [{ name: 'tier', valueType: 'String', values: ['gold', 'silver'] }] } },
    { action: 'Allow', jwt: { scopes: [], claims: [{ name: 'org.groups', valueType: 'StringArray', values: ['admins'] }] } },
  ]);
  assert.equal(allowed(auth, who({ tier: 'gold' }), call('b', 't')), true);
  assert.equal(allowed(auth, who({ tier: ['gold'] }), call('b', 't')), false);
  assert.equal(allowed(auth, who({ tier: 'bronze' }), call('b', 't')), false);
  assert.equal(allowed(auth, who({ org: { groups: ['users', 'admins'] } }), call('b', 't')), true);
  assert.equal(allowed(auth, who({ org: { groups: 'admins' } }), call('b', 't')), true);
  assert.equal(allowed(auth, who({ org: { groups: ['users'] } }), call('b', 't')), false);
  assert.equal(allowed(auth, who({ 'org.groups': ['admins'] }), call('b', 't')), true, 'a literal dotted claim name is found too');
});

test('target.tools limits a rule to (backend, tool) pairs; first match wins; defaultAction otherwise', () => {
  const auth = rulesAuth([
    { action: 'Deny', tools: [{ backend: 'github', tool: 'delete_repo' }] },
    { action: 'Allow', tools: [{ backend: 'github', tool: 'delete_repo' }, { backend: 'github', tool: 'list_issues' }] },
    { action: 'Allow', tools: [{ backend: 'kiwi', tool: 'search' }] },
  ]);
  assert.equal(allowed(auth, who(), call('github', 'delete_repo')), false, 'the earlier Deny wins');
  assert.equal(allowed(auth, who(), call('github', 'list_issues')), true);
  assert.equal(allowed(auth, who(), call('kiwi', 'search')), true);
  assert.equal(allowed(auth, who(), call('kiwi', 'book')), false, 'default Deny');
  assert.equal(allowed(auth, who(), { method: 'prompts/list', params: {} }), false, 'no tool: target rules do not match');
  const open = rulesAuth([{ action: 'Deny', tools: [{ backend: 'github', tool: 'delete_repo' }] }], 'Allow');
  assert.equal(allowed(open, who(), call('github', 'delete_repo')), false);
  assert.equal(allowed(open, who(), call('github', 'create_issue')), true, 'default Allow');
  assert.equal(allowed(rulesAuth([], 'Deny'), who(), call('a', 'b')), false);
});

test('deny: 403 with an insufficient_scope challenge naming the Allow rule that lacks the fewest scopes', () => {
  const auth = rulesAuth([
    { action: 'Allow', tools: [{ backend: 'github', tool: 'merge' }], jwt: { scopes: ['repo:read', 'repo:write', 'admin'], claims: [] } },
    { action: 'Allow', tools: [{ backend: 'github', tool: 'merge' }], jwt: { scopes: ['repo:read', 'repo:write'], claims: [] } },
    { action: 'Deny', tools: [{ backend: 'github', tool: 'merge' }], jwt: { scopes: ['banned'], claims: [] } },
    { action: 'Allow', tools: [{ backend: 'github', tool: 'merge' }], jwt: { scopes: ['repo:read', 'repo:write', 'repo:merge'], claims: [] } },
  ]);
  const result = auth.authorize(who({}, ['repo:read']), request(), call('github', 'merge'));
  assert.equal(result.allowed, false);
  assert.ok(!result.allowed);
  assert.equal(result.answer.status, 403);
  assert.equal(result.answer.body, 'access denied');
  assert.equal(
    result.answer.headers['www-authenticate'],
    'Bearer error="insufficient_scope", scope="repo:read repo:write", resource_metadata="http://localhost:1975/.well-known/oauth-protected-resource/mcp", error_description="The token is missing required scopes"',
  );
  assert.equal(allowed(auth, who({}, ['repo:read', 'repo:write']), call('github', 'merge')), true);
  // Rules whose claims or CEL do not match offer no scopes; nothing to step up to → plain 403.
  const claimGated = rulesAuth([{ action: 'Allow', jwt: { scopes: ['x'], claims: [{ name: 'team', valueType: 'String', values: ['a'] }] } }]);
  const plain = claimGated.authorize(who({ team: 'b' }), request(), call('b', 't'));
  assert.ok(!plain.allowed);
  assert.equal(plain.answer.status, 403);
  assert.equal(plain.answer.headers['www-authenticate'], undefined);
  // Without OAuth there is no challenge either.
  const noOAuth = rulesAuth([{ action: 'Allow', cel: 'false' }], 'Deny', false);
  const denied = noOAuth.authorize(who(), request(), call('b', 't'));
  assert.ok(!denied.allowed);
  assert.equal(denied.answer.headers['www-authenticate'], undefined);
});

test('scope claim is hidden from rule claims (scopes have their own field)', () => {
  const auth = rulesAuth([{ action: 'Allow', cel: '!has(request.auth.jwt.claims.scope) && request.auth.jwt.scopes == ["a", "b"]' }]);
  assert.equal(allowed(auth, who({ scope: 'a b' }, ['a', 'b']), call('b', 't')), true);
});

test('backendSelector: same rules per backend at initialize', () => {
  const auth = createMcpRouteAuth(route({
    oauth,
    backendSelector: {
      defaultAction: 'Deny',
      rules: [
        { action: 'Allow', cel: 'request.mcp.backend in request.auth.jwt.claims.mcp_backends' },
        { action: 'Allow', cel: 'request.headers["x-backend"] == mcp.backend && request.mcp.method == "initialize"' },
      ],
    },
  }));
  const identity = who({ mcp_backends: ['backend2'] });
  assert.equal(auth.selectsBackend(identity, request(), 'backend1'), false);
  assert.equal(auth.selectsBackend(identity, request(), 'backend2'), true);
  assert.equal(auth.selectsBackend(who(), request({ 'x-backend': 'backend1' }), 'backend1'), true);
  // No authorization rules: every call is allowed.
  assert.deepEqual(auth.authorize(identity, request(), call('backend1', 't')), { allowed: true });
  const noSelector = createMcpRouteAuth(route({ oauth }));
  assert.equal(noSelector.selectsBackend(who(), request(), 'any'), true);
});

test('cost bound: a nested comprehension over a huge input is not evaluated (no match) instead of stalling', () => {
  const warnings: string[] = [];
  const auth = rulesAuth([
    { action: 'Allow', cel: 'request.mcp.params.items.exists(a, request.mcp.params.items.exists(b, a + b == -1))' },
    { action: 'Allow', cel: 'request.mcp.params.items.exists(a, a == 3)' },
  ], 'Deny', true, warnings);
  const items = Array.from({ length: 20_000 }, (_, i) => i);
  const started = performance.now();
  assert.equal(allowed(auth, who(), call('b', 't', { items })), true, 'the second, linear rule still runs');
  assert.ok(performance.now() - started < 2_000);
  assert.match(warnings[0] ?? '', new RegExp(`exceeds the limit ${MAX_COST}`));
  // Small inputs evaluate normally.
  assert.equal(allowed(auth, who(), call('b', 't', { items: [1, 2] })), false);
});
