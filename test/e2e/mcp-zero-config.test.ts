/**
 * The seed's MCP quick start as a new user runs it: `aigw run --mcp-json '…'` (no config file, no
 * LLM key) on :1975, with `@modelcontextprotocol/server-everything` over stdio (started and
 * supervised by aigw) and over Streamable HTTP, a `${VAR}` Bearer token and an extra header,
 * `includeTools`, then the seed's own check with the MCP Inspector CLI, and the MCP fields of
 * the generated access log.
 */
import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, test } from 'node:test';
import { startAigw, type AigwProcess } from '../support/aigw-process.js';
import { freePort, portFreeEverywhere } from '../support/free-port.js';
import { INSPECTOR_CLI } from '../support/mcp-inspector.js';

const EVERYTHING = fileURLToPath(new URL('../../../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url));
const run = promisify(execFile);

let httpServer: ChildProcess | undefined;
let aigw: AigwProcess | undefined;
let skipReason: string | undefined;

async function waitForPort(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!(await portFreeEverywhere(port))) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`nothing listened on ${port} within ${timeoutMs} ms`);
}

before(async () => {
  if (!(await portFreeEverywhere(1975))) {
    skipReason = 'port 1975 is in use';
    return;
  }
  const httpPort = await freePort();
  httpServer = spawn(process.execPath, [EVERYTHING, 'streamableHttp'], { env: { ...process.env, PORT: String(httpPort) }, stdio: 'ignore' });
  await waitForPort(httpPort, 20_000);
  const servers = {
    mcpServers: {
      local: { command: process.execPath, args: [EVERYTHING, 'stdio'], env: { GREETING: '${AIGW_E2E_GREETING}' } },
      remote: {
        type: 'http',
        url: `http://127.0.0.1:${httpPort}/mcp`,
        headers: { Authorization: 'Bearer ${AIGW_E2E_TOKEN}', 'X-Team': 'blue' },
        includeTools: ['echo', 'get-sum'],
      },
    },
  };
  aigw = await startAigw({
    configYaml: '',
    omitConfigPath: true,
    extraArgs: ['--mcp-json', JSON.stringify(servers)],
    env: { OPENAI_API_KEY: '', AZURE_OPENAI_API_KEY: '', ANTHROPIC_API_KEY: '', AIGW_E2E_TOKEN: 'remote-secret-token', AIGW_E2E_GREETING: 'hello from env' },
  });
});

after(async () => {
  await aigw?.stop();
  httpServer?.kill('SIGTERM');
});

test('Inspector CLI tools/list (the seed command) shows both servers, the HTTP one narrowed by includeTools', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const listed = await run(process.execPath, [INSPECTOR_CLI, '--cli', 'http://localhost:1975/mcp', '--method', 'tools/list'], { timeout: 60_000 });
  const parsed: unknown = JSON.parse(listed.stdout);
  assert.ok(typeof parsed === 'object' && parsed !== null && 'tools' in parsed && Array.isArray(parsed.tools));
  const names = parsed.tools.map((tool: unknown) => (typeof tool === 'object' && tool !== null && 'name' in tool ? String(tool.name) : '')).sort();
  assert.deepEqual(names.filter((name: string) => name.startsWith('remote__')), ['remote__echo', 'remote__get-sum']);
  assert.ok(names.includes('local__echo'), names.join(', '));
  assert.ok(names.filter((name: string) => name.startsWith('local__')).length > 2, 'every tool of the stdio server');
});

test('Inspector CLI tools/call through the stdio server and the HTTP server', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const local = await run(process.execPath, [INSPECTOR_CLI, '--cli', 'http://localhost:1975/mcp', '--method', 'tools/call', '--tool-name', 'local__echo', '--tool-arg', 'message=via stdio'], { timeout: 60_000 });
  assert.match(local.stdout, /via stdio/);
  const remote = await run(process.execPath, [INSPECTOR_CLI, '--cli', 'http://localhost:1975/mcp', '--method', 'tools/call', '--tool-name', 'remote__get-sum', '--tool-arg', 'a=2', '--tool-arg', 'b=40'], { timeout: 60_000 });
  assert.match(remote.stdout, /42/);
  const env = await run(process.execPath, [INSPECTOR_CLI, '--cli', 'http://localhost:1975/mcp', '--method', 'tools/call', '--tool-name', 'local__get-env'], { timeout: 60_000 });
  assert.match(env.stdout, /hello from env/, 'the stdio server got its env with ${VAR} substituted');
});

test('the generated access log carries the MCP method, tool and server; no token in any output', async (t) => {
  if (skipReason || !aigw) return t.skip(skipReason ?? 'not started');
  const line = await aigw.waitForStdout(/tools\/call/, 20_000);
  assert.match(line, /get-sum|echo|get-env/);
  assert.match(line, /remote|local/);
  assert.ok(!aigw.stdout.includes('remote-secret-token') && !aigw.stderr.includes('remote-secret-token'));
});
