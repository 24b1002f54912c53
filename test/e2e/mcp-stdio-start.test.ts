/**
 * What `aigw run --mcp-json` says about the stdio MCP servers it starts: a start line for each,
 * progress while one is slow to answer `initialize`, and, when one fails, the reason with its last
 * stderr lines (credentials taken out), then exit 1 before Envoy is ever started.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from '../support/run-cli.js';

const FAKE = fileURLToPath(new URL('../support/fake-stdio-mcp-server.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../support/stdio-fixture-server.js', import.meta.url));
/** No provider variables: zero-config MCP mode, no LLM backend. */
const NO_PROVIDERS = { OPENAI_API_KEY: '', AZURE_OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '' };

test('a server that exits at start: its last 20 stderr lines, its token redacted, exit 1', { timeout: 60_000 }, async () => {
  const servers = { mcpServers: { broken: { command: process.execPath, args: [FAKE, 'fail'], env: { FAKE_MCP_TOKEN: '${AIGW_E2E_MCP_TOKEN}' } } } };
  const result = await runCli(['run', '--mcp-json', JSON.stringify(servers)], { env: { ...NO_PROVIDERS, AIGW_E2E_MCP_TOKEN: 'ghp_e2e_secret_0123456789' }, timeoutMs: 50_000 });
  assert.equal(result.code, 1, result.stderr);
  assert.match(
    result.stderr,
    /^aigw: (?:error: )?failed to proxy stdio for MCP servers: running the broken stdio2http proxy command: the command exited with code 1 before completing the MCP initialize handshake; its last stderr lines:\n {2}fake-mcp: log line 6\n/m,
  );
  assert.match(result.stderr, /\n {2}fake-mcp: login failed with token <redacted>\n/);
  assert.doesNotMatch(result.stderr, /log line 5\n/);
  assert.ok(!result.stderr.includes('ghp_e2e_secret_0123456789'), result.stderr);
  assert.doesNotMatch(result.stderr, /started MCP server broken/);
});

test('a server that never answers: progress every 5 s, the timeout; the server that did start had its start line', { timeout: 60_000 }, async () => {
  const servers = { mcpServers: { good: { command: process.execPath, args: [FIXTURE] }, mute: { command: process.execPath, args: [FAKE, 'hang'] } } };
  const result = await runCli(['run', '--mcp-json', JSON.stringify(servers)], { env: { ...NO_PROVIDERS, AIGW_MCP_STDIO_INITIALIZE_TIMEOUT: '6s' }, timeoutMs: 50_000 });
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, new RegExp(`^aigw: started MCP server good: ${escape(process.execPath)} ${escape(FIXTURE)} \\(pid \\d+\\)$`, 'm'));
  assert.match(result.stderr, /^aigw: still waiting for MCP server mute to answer initialize \(5 s\)$/m);
  assert.match(
    result.stderr,
    /^aigw: (?:error: )?failed to proxy stdio for MCP servers: running the mute stdio2http proxy command: the MCP initialize handshake timed out after 6s \(AIGW_MCP_STDIO_INITIALIZE_TIMEOUT sets how long to wait\); its last stderr lines:\n {2}fake-mcp: thinking about it\n/m,
  );
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
