// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../common/logger.js';
import { isAigwError } from '../../common/errors.js';
import { proxyStdioMcpServers } from './stdio-proxy-servers.js';

const FIXTURE = fileURLToPath(new URL('../../test/support/stdio-fixture-server.js', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('proxyStdioMcpServers', () => {
  it('rewrites stdio servers to their bridge URL and leaves HTTP servers alone', async () => {
    const warnings: string[] = [];
    const proxied = await proxyStdioMcpServers(
      {
        mcpServers: {
          remote: { type: 'http', url: 'https://example.com/mcp', headers: { Authorization: 'Bearer x' } },
          local: { type: 'stdio', command: process.execPath, args: [FIXTURE], headers: { Authorization: 'Bearer y' }, includeTools: ['echo'], env: { A: '1' } },
          both: { url: 'https://ignored.example.com/mcp', command: process.execPath, args: [FIXTURE] },
        },
      },
      { logger: createLogger('warn', (line) => void warnings.push(line)), env: process.env },
    );
    try {
      const local = proxied.bridges.find((bridge) => bridge.name === 'local');
      const both = proxied.bridges.find((bridge) => bridge.name === 'both');
      assert.ok(local && both);
      assert.deepEqual(proxied.config.mcpServers, {
        remote: { type: 'http', url: 'https://example.com/mcp', headers: { Authorization: 'Bearer x' } },
        local: { type: 'http', url: local.url, headers: { Authorization: 'Bearer y' }, includeTools: ['echo'] },
        both: { type: 'http', url: both.url },
      });
      assert.ok(warnings.some((line) => line.includes('has both "command" and "url"')), warnings.join(''));
    } finally {
      await proxied.close();
    }
  });

  it('AIGW_MCP_STDIO_INITIALIZE_TIMEOUT sets the handshake timeout; an invalid value is an error', async () => {
    const hang = { mcpServers: { mute: { command: process.execPath, args: [FIXTURE, '--hang'] } } };
    const logger = createLogger('warn', () => undefined);
    await assert.rejects(proxyStdioMcpServers(hang, { logger, env: { ...process.env, AIGW_MCP_STDIO_INITIALIZE_TIMEOUT: '400ms' } }), /handshake timed out after 0\.4s/);
    await assert.rejects(
      proxyStdioMcpServers(hang, { logger, env: { ...process.env, AIGW_MCP_STDIO_INITIALIZE_TIMEOUT: 'soon' } }),
      (error: unknown) => isAigwError(error, 'MCP') && error.message === 'failed to proxy stdio for MCP servers: AIGW_MCP_STDIO_INITIALIZE_TIMEOUT must be a positive duration such as 45s or 2m, got "soon"',
    );
  });

  it('fails with upstream’s message and stops the servers that did start', async () => {
    const pids: number[] = [];
    const logger = createLogger('debug', (line) => {
      const match = /stdio2http MCP proxy command running.*pid=(\d+)/.exec(line);
      if (match) pids.push(Number(match[1]));
    });
    await assert.rejects(
      proxyStdioMcpServers({ mcpServers: { bad: { command: 'definitely-not-a-command-xyz' }, good: { command: process.execPath, args: [FIXTURE] } } }, { logger, env: process.env }),
      (error: unknown) => {
        assert.ok(isAigwError(error, 'MCP'));
        assert.equal(error.message, 'failed to proxy stdio for MCP servers: running the bad stdio2http proxy command: exec: "definitely-not-a-command-xyz": executable file not found in $PATH');
        return true;
      },
    );
    assert.equal(pids.length, 1);
    assert.equal(alive(pids[0] ?? 0), false);
  });
});
