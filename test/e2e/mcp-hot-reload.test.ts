/**
 * #18, the MCP gateway: `aigw run --mcp-config servers.json` (zero-config mode) watches the file.
 * With a real MCP SDK client connected (its GET stream open) and tool calls under way, a server
 * is added, the file is broken, then the server removed: the client is sent
 * `notifications/tools/list_changed` each time and sees the new tool list in the same session,
 * the server kept throughout keeps its one backend session, a call in flight across an edit
 * completes, and no call fails.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { startAigw, type AigwProcess } from '../support/aigw-process.js';
import { startFakeMcpServer, type FakeMcpServer } from '../support/fake-mcp-server.js';
import { portFreeEverywhere } from '../support/free-port.js';
import { gatewayPids } from '../support/process-tree.js';

let keep: FakeMcpServer;
let added: FakeMcpServer;
let aigw: AigwProcess | undefined;
let dir: string;
let configFile: string;
let skipReason: string | undefined;

function writeServers(servers: Record<string, FakeMcpServer>): void {
  writeFileSync(configFile, JSON.stringify({ mcpServers: Object.fromEntries(Object.entries(servers).map(([name, server]) => [name, { type: 'http', url: server.url }])) }, null, 2));
}

/** Polls until `check` holds; fails after 10 s. Returns how long it took. */
async function until(what: string, check: () => boolean | Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < 10_000) {
    if (await check()) return Date.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${what}: not within 10 s\n${aigw?.stderr.slice(-3000) ?? ''}`);
}

before(async () => {
  // The generated configuration listens on 1975, as upstream's.
  if (!(await portFreeEverywhere(1975))) {
    skipReason = 'port 1975 is in use';
    return;
  }
  keep = await startFakeMcpServer({ name: 'keep', tools: ['echo', 'wait'] });
  added = await startFakeMcpServer({ name: 'added', tools: ['hello'] });
  dir = mkdtempSync(join(tmpdir(), 'aigw-mcp-reload-'));
  configFile = join(dir, 'servers.json');
  writeServers({ keep });
  aigw = await startAigw({
    configYaml: '',
    omitConfigPath: true,
    extraArgs: ['--mcp-config', configFile],
    env: { OPENAI_API_KEY: '', AZURE_OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '' },
  });
});

after(async () => {
  await aigw?.stop();
  await keep?.close();
  await added?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('--mcp-config edits reach connected clients: list_changed, the new tools in the same session, zero failed calls', { timeout: 120_000 }, async (t) => {
  if (skipReason || !aigw) return t.skip(skipReason);
  const gateway = aigw;
  const envoyPid = (await gatewayPids(gateway.pid)).envoy;
  const client = new Client({ name: 'reload-test', version: '1.0.0' });
  let listChanged = 0;
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    listChanged++;
  });
  const transport = new StreamableHTTPClientTransport(new URL('http://127.0.0.1:1975/mcp'));
  await client.connect(transport);
  const session = transport.sessionId;
  assert.ok(session);
  const toolNames = async (): Promise<string[]> => (await client.listTools(undefined, { timeout: 10_000 })).tools.map((tool) => tool.name).sort();
  const text = (result: Awaited<ReturnType<Client['callTool']>>): string =>
    Array.isArray(result.content) ? result.content.map((part: unknown) => (typeof part === 'object' && part !== null && 'text' in part ? String(part.text) : '')).join('') : '';
  assert.deepEqual(await toolNames(), ['keep__echo', 'keep__wait']);

  // Calls all along, and one in flight across the first edit.
  const failures: string[] = [];
  let calls = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        const answer = text(await client.callTool({ name: 'keep__echo', arguments: {} }, undefined, { timeout: 10_000 }));
        if (answer === 'keep:echo') calls++;
        else failures.push(`echo answered ${JSON.stringify(answer)}`);
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
  })();
  const inFlight = client.callTool({ name: 'keep__wait', arguments: { ms: 3000 } }, undefined, { timeout: 20_000 });
  const timings: Record<string, number> = {};
  try {
    await new Promise((resolve) => setTimeout(resolve, 500));

    // 1. A server added: the client is told, and lists and calls its tools in the same session.
    writeServers({ keep, added });
    timings['server added → list_changed'] = await until('tools/list_changed', () => listChanged >= 1);
    assert.deepEqual(await toolNames(), ['added__hello', 'keep__echo', 'keep__wait']);
    assert.equal(text(await client.callTool({ name: 'added__hello', arguments: {} })), 'added:hello');
    assert.equal(transport.sessionId, session, 'the same gateway session');
    assert.equal(text(await inFlight), 'keep:waited', 'the call in flight across the edit completed');

    // 2. A broken file: refused with why, the running configuration keeps serving.
    const before = gateway.stderr.length;
    writeFileSync(configFile, '{ "mcpServers": ');
    await until('the refusal', () => /configuration not reloaded/.test(gateway.stderr.slice(before)));
    assert.deepEqual(await toolNames(), ['added__hello', 'keep__echo', 'keep__wait']);

    // 3. The server removed: told again; its tools are gone.
    const seen = listChanged;
    writeServers({ keep });
    timings['server removed → list_changed'] = await until('tools/list_changed again', () => listChanged > seen);
    assert.deepEqual(await toolNames(), ['keep__echo', 'keep__wait']);
    await new Promise((resolve) => setTimeout(resolve, 500));
  } finally {
    running = false;
    await loop;
    await client.close();
  }
  assert.deepEqual(failures, [], `${failures.length} of ${calls + failures.length} calls failed`);
  assert.ok(calls > 20, `only ${calls} calls`);
  assert.equal(keep.initialized.length, 1, 'the server kept throughout was initialized once: its session survived every edit');
  assert.equal((await gatewayPids(gateway.pid)).envoy, envoyPid, 'the same Envoy');
  assert.match(gateway.stderr, /configuration reloaded \(servers\.json changed\) in \d+ ms: .*MCP routes \+0 −0 ~1/);
  process.stderr.write(`MCP hot reload: ${calls} tool calls, 0 failed; ${JSON.stringify(timings)}\n`);
});
