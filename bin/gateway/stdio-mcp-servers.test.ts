import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../common/logger.js';
import type { McpServersConfig } from '../../mcp/mcp-servers-config.js';
import { StdioMcpServers } from './stdio-mcp-servers.js';

const FIXTURE = fileURLToPath(new URL('../../test/support/stdio-fixture-server.js', import.meta.url));

/** Whether something answers HTTP at `url` (a bridge that is stopped does not). */
async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { method: 'GET', signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

test('--mcp-config reloads: an unchanged stdio server keeps its bridge, a changed one gets a new bridge, prune stops what the serving config does not use', { timeout: 60_000 }, async () => {
  const servers = new StdioMcpServers({ logger: createLogger('error', () => undefined), env: process.env });
  try {
    const config = (args: string[]): McpServersConfig => ({ mcpServers: { local: { command: process.execPath, args: [FIXTURE, ...args] }, remote: { type: 'http', url: 'https://example.com/mcp' } } });
    const first = await servers.bridge(config([]));
    const firstUrl = first.mcpServers.local?.url ?? '';
    assert.match(firstUrl, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    assert.deepEqual(first.mcpServers.remote, { type: 'http', url: 'https://example.com/mcp' });

    assert.equal((await servers.bridge(config([]))).mcpServers.local?.url, firstUrl, 'the same command: the same bridge');
    const changed = await servers.bridge(config(['--changed']));
    const changedUrl = changed.mcpServers.local?.url ?? '';
    assert.notEqual(changedUrl, firstUrl, 'other arguments: a new bridge');
    assert.ok(await answers(firstUrl), 'the old bridge serves until a reload is settled');

    // The edit refused: the running configuration keeps its bridge, the tried one goes.
    await servers.prune(first);
    assert.ok(await answers(firstUrl));
    assert.equal(await answers(changedUrl), false);

    // Tried again and applied: the old bridge goes.
    const applied = await servers.bridge(config(['--changed']));
    await servers.prune(applied);
    assert.equal(await answers(firstUrl), false);
    assert.ok(await answers(applied.mcpServers.local?.url ?? ''));
  } finally {
    await servers.close();
  }
});
