import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkMcpCel } from './check-mcp-cel.js';

test('MCP authorization CEL: what the proxy can use passes', () => {
  for (const expression of [
    'request.method == "POST"',
    'request.headers["x-tenant"] == "blue"',
    'mcp.method == "tools/call" && mcp.tool in ["read", "list"]',
    'auth.jwt.scopes.exists(s, s == "admin")',
    'auth.jwt.claims.groups.all(g, g.startsWith("team-"))',
    'request.mcp.params.?arguments.?env.orValue("") == "prod"',
    'request.method.lowerAscii() == "post"',
    'mcp.params.arguments.size > 10',
    '"a".matches("^[a-z]+$")',
  ]) {
    assert.equal(checkMcpCel(expression), undefined, expression);
  }
});

test('MCP authorization CEL: syntax, unknown names, bad constant regexes and non-bool results are config errors', () => {
  assert.match(checkMcpCel('1 +') ?? '', /cannot parse CEL expression "1 \+": <input>:1:3/);
  assert.match(checkMcpCel('user == "x"') ?? '', /undeclared reference to "user" \(the variables are request, auth and mcp\)/);
  assert.match(checkMcpCel('lower(request.method) == "post"') ?? '', /undeclared (function "lower"|reference to 'lower')/);
  assert.match(checkMcpCel('mcp.tool.matches("(")') ?? '', /error parsing regexp/);
  assert.match(checkMcpCel('request.method') ?? '', /must evaluate to a bool/);
  // A comprehension variable is only bound inside its macro.
  assert.match(checkMcpCel('[1].exists(x, x == 1) && x == 1') ?? '', /undeclared reference to "x"/);
});
