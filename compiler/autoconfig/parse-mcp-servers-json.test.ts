// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { isAigwError } from '../../common/errors.js';
import { parseMcpServersJson } from './parse-mcp-servers-json.js';

function expectError(text: string, message: string): void {
  assert.throws(
    () => parseMcpServersJson(text, 'mcp.json'),
    (error: unknown) => {
      assert.ok(isAigwError(error, 'CONFIG'), String(error));
      assert.equal(error.message, message);
      return true;
    },
  );
}

describe('parseMcpServersJson', () => {
  it('reads the canonical format (the example in upstream\'s aigw run docs), ignoring unknown keys but keeping env', () => {
    const text = JSON.stringify({
      mcpServers: {
        context7: { type: 'http', url: 'https://mcp.context7.com/mcp' },
        github: {
          type: 'http',
          url: 'https://api.githubcopilot.com/mcp/readonly',
          headers: { Authorization: 'Bearer ${GITHUB_ACCESS_TOKEN}' },
          includeTools: ['get_issue', 'list_issues'],
          env: { X: '1' },
          disabled: false,
        },
        local: { command: 'npx', args: ['-y', 'server'], cwd: '/tmp' },
      },
      other: true,
    });
    assert.deepEqual(parseMcpServersJson(text, 'mcp.json'), {
      mcpServers: {
        context7: { type: 'http', url: 'https://mcp.context7.com/mcp' },
        github: {
          type: 'http',
          url: 'https://api.githubcopilot.com/mcp/readonly',
          headers: { Authorization: 'Bearer ${GITHUB_ACCESS_TOKEN}' },
          includeTools: ['get_issue', 'list_issues'],
          env: { X: '1' },
        },
        local: { command: 'npx', args: ['-y', 'server'] },
      },
    });
  });

  it('env: string values by name, null values skipped, other types rejected', () => {
    assert.deepEqual(parseMcpServersJson('{"mcpServers": {"s": {"command": "x", "env": {"A": "1", "B": null, "C": "${HOME}"}}}}', 'x'), {
      mcpServers: { s: { command: 'x', env: { A: '1', C: '${HOME}' } } },
    });
    expectError('{"mcpServers": {"s": {"env": ["A=1"]}}}', 'failed to unmarshal MCP config: mcp.json: mcpServers."s".env: expected an object of environment variable values by name, got an array');
    expectError('{"mcpServers": {"s": {"env": {"PORT": 8080}}}}', 'failed to unmarshal MCP config: mcp.json: mcpServers."s".env."PORT": expected a string, got a number (8080)');
  });

  it('keys are case-sensitive; null is absent; no mcpServers means no servers', () => {
    assert.deepEqual(parseMcpServersJson('{"MCPServers": {"a": {"url": "http://a"}}}', 'x'), { mcpServers: {} });
    assert.deepEqual(parseMcpServersJson('{"mcpServers": {"a": {"URL": "http://a", "url": null, "headers": null}}}', 'x'), { mcpServers: { a: {} } });
    assert.deepEqual(parseMcpServersJson('{"mcpServers": null}', 'x'), { mcpServers: {} });
  });

  it('keeps a server named __proto__ as data', () => {
    const parsed = parseMcpServersJson('{"mcpServers": {"__proto__": {"url": "http://p"}}}', 'x');
    assert.deepEqual(Object.keys(parsed.mcpServers), ['__proto__']);
    assert.equal(parsed.mcpServers['__proto__']?.url, 'http://p');
  });

  it('rejects malformed input with clear messages', () => {
    expectError('', 'failed to unmarshal MCP config: mcp.json: empty input, expected a JSON object');
    assert.throws(() => parseMcpServersJson('{"mcpServers": {', 'mcp.json'), /^AigwError: failed to unmarshal MCP config: mcp\.json: invalid JSON: /);
    expectError('[]', 'failed to unmarshal MCP config: mcp.json: expected a JSON object like {"mcpServers": {...}}, got an array');
    expectError('{"mcpServers": []}', 'failed to unmarshal MCP config: mcp.json: mcpServers: expected an object of servers by name, got an array');
    expectError('{"mcpServers": {"a": "http://a"}}', 'failed to unmarshal MCP config: mcp.json: mcpServers."a": expected an object, got a string ("http://a")');
    expectError('{"mcpServers": {"a": {"url": 42}}}', 'failed to unmarshal MCP config: mcp.json: mcpServers."a".url: expected a string, got a number (42)');
    expectError('{"mcpServers": {"a": {"includeTools": "t"}}}', 'failed to unmarshal MCP config: mcp.json: mcpServers."a".includeTools: expected an array of strings, got a string ("t")');
    expectError('{"mcpServers": {"a": {"args": ["x", 1]}}}', 'failed to unmarshal MCP config: mcp.json: mcpServers."a".args[1]: expected a string, got a number (1)');
    expectError('{"mcpServers": {"a": {"headers": {"X": true}}}}', 'failed to unmarshal MCP config: mcp.json: mcpServers."a".headers."X": expected a string, got a boolean (true)');
    expectError('{"mcpServers": {"a": {"headers": ["X"]}}}', 'failed to unmarshal MCP config: mcp.json: mcpServers."a".headers: expected an object of header values by name, got an array');
  });
});
