// SPDX-License-Identifier: Apache-2.0
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  CreateMessageRequestSchema,
  LoggingMessageNotificationSchema,
  McpError,
  ToolListChangedNotificationSchema,
  type ClientCapabilities,
} from '@modelcontextprotocol/sdk/types.js';
import { isAigwError } from '../../common/errors.js';
import { isRecord } from '../../common/json-guards.js';
import { createLogger } from '../../common/logger.js';
import { startStdioBridge, type StdioBridge, type StdioBridgeOptions } from './stdio-bridge.js';

const EVERYTHING = fileURLToPath(new URL('../../../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../test/support/stdio-fixture-server.js', import.meta.url));
const FAKE = fileURLToPath(new URL('../../test/support/fake-stdio-mcp-server.js', import.meta.url));
/** What the bridge declares upstream; a direct client declaring the same sees the same tools. */
const BRIDGE_CAPABILITIES: ClientCapabilities = { sampling: {}, elicitation: {}, roots: { listChanged: true } };

const logLines: string[] = [];
const logger = createLogger('debug', (line) => void logLines.push(line));
const open: Array<{ close(): Promise<void> }> = [];
after(async () => {
  for (const item of open.reverse()) await item.close().catch(() => undefined);
});

async function bridge(options: Partial<StdioBridgeOptions> & { args: string[] }): Promise<StdioBridge> {
  const started = await startStdioBridge({ name: 'test', command: process.execPath, logger, restartDelayMs: 50, ...options });
  open.push(started);
  return started;
}

async function connect(url: string, capabilities: ClientCapabilities = {}): Promise<Client> {
  const client = new Client({ name: 'test-client', version: '1.0.0' }, { capabilities });
  await client.connect(new StreamableHTTPClientTransport(new URL(url)));
  open.push(client);
  return client;
}

function textOf(result: unknown): string {
  const content: unknown = isRecord(result) ? result.content : undefined;
  const first: unknown = Array.isArray(content) ? content[0] : undefined;
  return isRecord(first) && first.type === 'text' && typeof first.text === 'string' ? first.text : '';
}

async function callText(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  return textOf(await client.callTool({ name, arguments: args }));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(condition: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return true;
}

describe('stdio bridge with server-everything', () => {
  it('initializes, lists the same tools as over stdio, calls echo, relays progress, resources, prompts and completion', async () => {
    const everything = await bridge({ name: 'everything', args: [EVERYTHING, 'stdio'] });
    assert.match(everything.url, /^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    const client = await connect(everything.url);
    assert.equal(client.getServerVersion()?.name, 'mcp-servers/everything');
    assert.ok(client.getServerCapabilities()?.tools, 'tools capability relayed');
    assert.ok(client.getInstructions());

    const direct = new Client({ name: 'direct', version: '1.0.0' }, { capabilities: BRIDGE_CAPABILITIES });
    await direct.connect(new StdioClientTransport({ command: process.execPath, args: [EVERYTHING, 'stdio'], stderr: 'ignore' }));
    open.push(direct);
    // Conditional tools are registered just after initialization; let both settle.
    await new Promise((resolve) => setTimeout(resolve, 400));
    assert.deepEqual((await client.listTools()).tools, (await direct.listTools()).tools);

    assert.equal(await callText(client, 'echo', { message: 'hello bridge' }), 'Echo: hello bridge');

    const progress: number[] = [];
    const long = await client.callTool({ name: 'trigger-long-running-operation', arguments: { duration: 0.3, steps: 3 } }, undefined, {
      onprogress: (update) => void progress.push(update.progress),
    });
    assert.match(textOf(long), /Long running operation completed/);
    assert.deepEqual(progress, [1, 2, 3]);

    const resources = await client.listResources();
    assert.ok(resources.resources.length > 0);
    const first = resources.resources[0];
    assert.ok(first);
    assert.ok((await client.readResource({ uri: first.uri })).contents.length > 0);
    assert.ok((await client.listResourceTemplates()).resourceTemplates.length > 0);
    await client.subscribeResource({ uri: first.uri });
    await client.unsubscribeResource({ uri: first.uri });
    await client.setLoggingLevel('debug');

    const prompts = await client.listPrompts();
    assert.ok(prompts.prompts.some((prompt) => prompt.name === 'simple-prompt'));
    assert.ok((await client.getPrompt({ name: 'simple-prompt' })).messages.length > 0);
    const completion = await client.complete({ ref: { type: 'ref/prompt', name: 'completable-prompt' }, argument: { name: 'department', value: 'Eng' } });
    assert.deepEqual(completion.completion.values, ['Engineering']);
    await client.ping();

    // An error from the server comes back as the same JSON-RPC error, not one wrapped per hop.
    const errorOf = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => assert.fail('expected an error'), (error: unknown) => error);
    const viaBridge = await errorOf(client.getPrompt({ name: 'no-such-prompt' }));
    const viaStdio = await errorOf(direct.getPrompt({ name: 'no-such-prompt' }));
    assert.ok(viaBridge instanceof McpError && viaStdio instanceof McpError);
    assert.deepEqual([viaBridge.code, viaBridge.message, viaBridge.data], [viaStdio.code, viaStdio.message, viaStdio.data]);
  });

  it('serves two concurrent HTTP sessions from one process', async () => {
    const everything = await bridge({ name: 'everything2', args: [EVERYTHING, 'stdio'] });
    const pid = everything.pid;
    const [a, b] = await Promise.all([connect(everything.url), connect(everything.url)]);
    assert.equal(everything.sessions, 2);
    const answers = await Promise.all([callText(a, 'echo', { message: 'a' }), callText(b, 'echo', { message: 'b' }), callText(a, 'echo', { message: 'a2' })]);
    assert.deepEqual(answers, ['Echo: a', 'Echo: b', 'Echo: a2']);
    await a.close();
    assert.equal(await callText(b, 'echo', { message: 'still here' }), 'Echo: still here');
    assert.equal(everything.pid, pid, 'one stdio process for both sessions');
  });
});

describe('stdio bridge with the fixture server', () => {
  it('relays notifications and server→client sampling requests', async () => {
    const fixture = await bridge({ name: 'fixture', args: [FIXTURE] });
    const client = await connect(fixture.url, { sampling: {} });
    assert.equal(client.getServerVersion()?.name, 'stdio-fixture');
    assert.equal(client.getInstructions(), 'fixture instructions');
    const logged = new Promise<unknown>((resolve) => client.setNotificationHandler(LoggingMessageNotificationSchema, (notification) => resolve(notification.params.data)));
    const changed = new Promise<boolean>((resolve) => client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve(true)));
    assert.equal(await callText(client, 'notify'), 'notified');
    assert.equal(await logged, 'fixture says hello');
    assert.equal(await changed, true);

    client.setRequestHandler(CreateMessageRequestSchema, () => ({ role: 'assistant', model: 'test-model', content: { type: 'text', text: 'pong' } }));
    assert.equal(await callText(client, 'sample'), 'sampled: pong');

    // A client without the sampling capability is not asked (nor is the other client, whose
    // request is not in flight): the server gets an error, which this fixture passes on.
    const plain = await connect(fixture.url);
    await assert.rejects(plain.callTool({ name: 'sample', arguments: {} }), /no MCP client connected to the fixture stdio2http proxy supports sampling/);
  });

  it('gives the command aigw’s environment plus env, with ${VAR} resolved', async () => {
    const fixture = await bridge({
      name: 'env',
      args: [FIXTURE],
      baseEnv: { ...process.env, BRIDGE_BASE: 'base-value' },
      env: { BRIDGE_ADDED: 'x-${BRIDGE_BASE}-${env:BRIDGE_BASE}-${MISSING:-dflt}', BRIDGE_BASE: 'overridden' },
    });
    const client = await connect(fixture.url);
    assert.equal(await callText(client, 'env', { name: 'BRIDGE_ADDED' }), 'x-base-value-base-value-dflt');
    assert.equal(await callText(client, 'env', { name: 'BRIDGE_BASE' }), 'overridden');
    assert.equal(await callText(client, 'env', { name: 'PATH' }), process.env.PATH);
  });

  it('fails to start with upstream’s message: unknown command, early exit, handshake timeout', async () => {
    await assert.rejects(startStdioBridge({ name: 'bad', command: 'definitely-not-a-command-xyz', logger }), (error: unknown) => {
      assert.ok(isAigwError(error, 'MCP'));
      assert.equal(error.message, 'running the bad stdio2http proxy command: exec: "definitely-not-a-command-xyz": executable file not found in $PATH');
      return true;
    });
    await assert.rejects(startStdioBridge({ name: 'early', command: process.execPath, args: [FIXTURE, '--fail'], logger }), (error: unknown) => {
      assert.ok(isAigwError(error, 'MCP'));
      assert.match(error.message, /^running the early stdio2http proxy command: the command exited with code 2 before completing the MCP initialize handshake; its last stderr lines:\n/);
      assert.match(error.message, /fixture: refusing to start/);
      return true;
    });
    await assert.rejects(startStdioBridge({ name: 'slow', command: process.execPath, args: [FIXTURE, '--hang'], logger, initializeTimeoutMs: 300 }), /running the slow stdio2http proxy command: the MCP initialize handshake timed out after 0\.3s/);
  });

  it('prints a start line with the command line (secrets redacted) and the pid', async () => {
    const notices: string[] = [];
    const started = await bridge({ name: 'noisy', args: [FIXTURE, '--token=tok_0123456789abcdef'], env: { SERVICE_TOKEN: 'tok_0123456789abcdef' }, notice: (message) => void notices.push(message) });
    assert.deepEqual(notices, [`started MCP server noisy: ${process.execPath} ${FIXTURE} --token=<redacted> (pid ${started.pid ?? '?'})`]);
  });

  it('a server that exits at start: its last 20 stderr lines in the error, secrets redacted; no start line', async () => {
    const notices: string[] = [];
    await assert.rejects(
      startStdioBridge({ name: 'broken', command: process.execPath, args: [FAKE, 'fail'], env: { FAKE_MCP_TOKEN: 'ghp_fakefakefake1234' }, logger, notice: (message) => void notices.push(message) }),
      (error: unknown) => {
        assert.ok(isAigwError(error, 'MCP'));
        const [head, ...tail] = error.message.split('\n  ');
        assert.equal(head, 'running the broken stdio2http proxy command: the command exited with code 1 before completing the MCP initialize handshake; its last stderr lines:');
        assert.equal(tail.length, 20);
        assert.equal(tail[0], 'fake-mcp: log line 6');
        assert.equal(tail.at(-1), 'fake-mcp: login failed with token <redacted>');
        assert.ok(!error.message.includes('ghp_fakefakefake1234'));
        return true;
      },
    );
    assert.deepEqual(notices, []);
  });

  it('a server that never answers initialize: a progress line per interval, then the timeout with its stderr', async () => {
    const notices: string[] = [];
    const started = Date.now();
    await assert.rejects(
      startStdioBridge({ name: 'mute', command: process.execPath, args: [FAKE, 'hang'], logger, initializeTimeoutMs: 1100, progressIntervalMs: 300, notice: (message) => void notices.push(message) }),
      (error: unknown) => {
        assert.ok(isAigwError(error, 'MCP'));
        assert.equal(
          error.message,
          'running the mute stdio2http proxy command: the MCP initialize handshake timed out after 1.1s (AIGW_MCP_STDIO_INITIALIZE_TIMEOUT sets how long to wait); its last stderr lines:\n  fake-mcp: thinking about it',
        );
        return true;
      },
    );
    assert.ok(Date.now() - started < 10_000);
    assert.ok(notices.length >= 2 && notices.length <= 4, notices.join('\n'));
    for (const notice of notices) assert.match(notice, /^still waiting for MCP server mute to answer initialize \(\d+ s\)$/);
  });

  it('restarts a crashed server: the in-flight call fails with a JSON-RPC error, the next call works', async () => {
    const fixture = await bridge({ name: 'crashy', args: [FIXTURE] });
    const client = await connect(fixture.url);
    const firstPid = Number(await callText(client, 'pid'));
    assert.equal(firstPid, fixture.pid);
    await assert.rejects(client.callTool({ name: 'crash', arguments: {} }), (error: unknown) => {
      assert.ok(error instanceof McpError);
      assert.match(error.message, /the crashy stdio MCP server exited with code 3 while handling the request; aigw is restarting it/);
      return true;
    });
    const secondPid = Number(await callText(client, 'pid'));
    assert.notEqual(secondPid, firstPid);
    assert.equal(fixture.pid, secondPid);
    assert.equal(alive(firstPid), false);
    assert.equal(await callText(client, 'echo', { message: 'after restart' }), 'Echo: after restart');
    assert.ok(logLines.some((line) => line.includes('stdio MCP server "crashy" exited with code 3') && line.includes('fixture: crashing on request')), logLines.join(''));
  });

  it('close() terminates the command and stops serving', async () => {
    const fixture = await startStdioBridge({ name: 'closing', command: process.execPath, args: [FIXTURE], logger });
    const pid = fixture.pid;
    assert.ok(pid !== undefined && alive(pid));
    const client = await connect(fixture.url);
    assert.equal(await callText(client, 'echo', { message: 'x' }), 'Echo: x');
    await fixture.close();
    assert.ok(await waitUntil(() => !alive(pid)), `pid ${pid} still running`);
    await assert.rejects(fetch(fixture.url, { method: 'POST', body: '{}' }));
  });
});
