// SPDX-License-Identifier: Apache-2.0
//
// The stdio MCP server behind a stdio2http bridge: started once, connected as MCP client
// `stdio2http-<name>`, restarted with backoff whenever it dies.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { ErrorCode, McpError, type Implementation, type JSONRPCRequest, type Notification, type Request, type Result, type ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import type { LineRedactor } from '../../envoy/log-redactor.js';
import type { Logger } from '../../common/logger.js';
import { StdioChildTransport, type ChildExit } from './stdio-child-transport.js';
import { resolveCommandPath } from './stdio-command-path.js';
import { RelayedError } from './stdio-forward.js';

export type UpstreamClient = Client<Request, Notification, Result>;

/** What the server said in its initialize result; HTTP sessions advertise the same. */
export interface UpstreamInfo {
  serverInfo: Implementation;
  capabilities: ServerCapabilities;
  instructions: string | undefined;
}

export interface StdioUpstreamOptions {
  name: string;
  command: string;
  args: readonly string[];
  env: Record<string, string>;
  logger: Logger;
  /** Applied to the command line and every stderr line before they are printed or logged. */
  redact: LineRedactor;
  /**
   * aigw's own status lines on its stderr (`aigw: …`, shown at every log level, unlike the
   * logger's): the first start, and progress while the first handshake is slow.
   */
  notice?: (message: string) => void;
  initializeTimeoutMs: number;
  /** While the first start waits for `initialize`, a progress notice this often. */
  progressIntervalMs: number;
  /** First restart delay; doubled per consecutive failure up to restartMaxDelayMs. */
  restartDelayMs: number;
  restartMaxDelayMs: number;
  /** How long a request waits for a restarting server before it fails. */
  restartWaitMs: number;
  /** Requests from the server (sampling, elicitation, roots, anything). */
  onRequest(request: JSONRPCRequest, extra: RequestHandlerExtra<Request, Notification>): Promise<Result>;
  /** Notifications from the server (other than progress and cancellation, which the SDK routes). */
  onNotification(notification: Notification): Promise<void>;
  /** After a restart: state the new process lost (subscriptions, log level) is restored here. */
  onRestarted(client: UpstreamClient): Promise<void>;
}

/** A plain number: McpError codes are not typed as the SDK's enum. */
const REQUEST_TIMEOUT: number = ErrorCode.RequestTimeout;

/** A server that stays up this long is considered healthy again: backoff starts over. */
const HEALTHY_AFTER_MS = 60_000;
const CLIENT_VERSION = '1.0.0';

/**
 * Declared to the server so that it may ask for them; they are relayed to an HTTP client
 * (stdio-sessions.ts), which answers or fails them.
 */
const CLIENT_CAPABILITIES = { sampling: {}, elicitation: {}, roots: { listChanged: true } };

export class StdioUpstream {
  private client: UpstreamClient | undefined;
  private transport: StdioChildTransport | undefined;
  private upstreamInfo: UpstreamInfo | undefined;
  private closed = false;
  private failures = 0;
  private startedAt = 0;
  private lastExit = '';
  private restartTimer: NodeJS.Timeout | undefined;
  private waiters: Array<(client: UpstreamClient | undefined) => void> = [];

  constructor(private readonly options: StdioUpstreamOptions) {}

  /** The initialize result of the running (or last running) server. */
  get info(): UpstreamInfo {
    if (!this.upstreamInfo) throw new Error('stdio MCP server not started');
    return this.upstreamInfo;
  }

  get pid(): number | undefined {
    return this.transport?.pid;
  }

  /** The connected client, if the server is up right now. */
  get readyClient(): UpstreamClient | undefined {
    return this.client;
  }

  /** First start. Rejects with the reason (no restart) when the command or handshake fails. */
  async start(): Promise<void> {
    const connection = await this.connect(true);
    this.adopt(connection);
    const { name, command, args, redact } = this.options;
    // The arguments only redacted: servers often take their API key as one.
    this.options.notice?.(`started MCP server ${name}: ${redact([command, ...args].join(' '))} (pid ${connection.transport.pid ?? '?'})`);
  }

  /** The connected client, waiting (bounded) for a restart in progress. */
  async connected(): Promise<UpstreamClient> {
    if (this.client) return this.client;
    if (this.closed) throw new RelayedError(ErrorCode.ConnectionClosed, `the ${this.options.name} stdio2http proxy is shutting down`);
    const client = await new Promise<UpstreamClient | undefined>((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((waiter) => waiter !== done);
        resolve(undefined);
      }, this.options.restartWaitMs);
      const done = (found: UpstreamClient | undefined): void => {
        clearTimeout(timer);
        resolve(found);
      };
      this.waiters.push(done);
    });
    if (client) return client;
    throw new RelayedError(ErrorCode.ConnectionClosed, `the ${this.options.name} stdio MCP server is not running (${this.lastExit}; aigw is restarting it)`);
  }

  /** An error for requests that were in flight when the server died. */
  crashError(): RelayedError {
    return new RelayedError(ErrorCode.ConnectionClosed, `the ${this.options.name} stdio MCP server ${this.lastExit || 'went away'} while handling the request; aigw is restarting it`);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.restartTimer);
    this.release(undefined);
    const client = this.client;
    const transport = this.transport;
    this.client = undefined;
    await client?.close().catch(() => undefined);
    await transport?.close();
  }

  /** @param firstStart the user is waiting: say so while the handshake is slow. */
  private async connect(firstStart = false): Promise<{ client: UpstreamClient; transport: StdioChildTransport; info: UpstreamInfo }> {
    const { name, logger, redact, notice } = this.options;
    const file = resolveCommandPath(this.options.command, this.options.env);
    // Not the arguments: servers often take their API key as one (this logger never sees credentials).
    logger.info('starting stdio2http MCP proxy command', { name, command: this.options.command, argCount: this.options.args.length });
    const transport = new StdioChildTransport({
      file,
      args: this.options.args,
      env: this.options.env,
      onStderrLine: (line) => logger.debug('stdio MCP server stderr', { name, line: redact(line) }),
    });
    const client: UpstreamClient = new Client<Request, Notification, Result>({ name: `stdio2http-${name}`, version: CLIENT_VERSION }, { capabilities: CLIENT_CAPABILITIES });
    client.fallbackRequestHandler = (request, extra) => this.options.onRequest(request, extra);
    client.fallbackNotificationHandler = (notification) => this.options.onNotification(notification);
    client.onerror = (error) => logger.debug('stdio MCP server connection error', { name, error: error.message });
    const waitingSince = Date.now();
    // `npx` servers may download for a while first: a silent wait looks like a hang.
    const progress = firstStart && notice
      ? setInterval(() => notice(`still waiting for MCP server ${name} to answer initialize (${Math.round((Date.now() - waitingSince) / 1000)} s)`), this.options.progressIntervalMs)
      : undefined;
    progress?.unref();
    try {
      await client.connect(transport, { timeout: this.options.initializeTimeoutMs }).finally(() => clearInterval(progress));
    } catch (error) {
      // Described before close(), which would make any failure look like our SIGTERM.
      const reason = this.describeStartFailure(error, transport);
      await transport.close();
      throw new Error(reason);
    }
    const capabilities = client.getServerCapabilities() ?? {};
    const serverInfo = client.getServerVersion() ?? { name: `stdio2http-${name}`, version: CLIENT_VERSION };
    return { client, transport, info: { serverInfo, capabilities, instructions: client.getInstructions() } };
  }

  private describeStartFailure(error: unknown, transport: StdioChildTransport): string {
    const exit = transport.exit;
    const stderr = this.stderrTail(transport);
    const tail = stderr.length > 0 ? `; its last stderr lines:\n  ${stderr.join('\n  ')}` : '';
    // No pid: spawning itself failed, and the error says why (e.g. spawn EACCES).
    if (exit && transport.pid !== undefined) return `the command ${describeExit(exit)} before completing the MCP initialize handshake${tail}`;
    if (error instanceof McpError && error.code === REQUEST_TIMEOUT) {
      return `the MCP initialize handshake timed out after ${this.options.initializeTimeoutMs / 1000}s (AIGW_MCP_STDIO_INITIALIZE_TIMEOUT sets how long to wait)${tail}`;
    }
    const message = error instanceof Error ? error.message : String(error);
    return `${message.replace(/^MCP error -?\d+: /, 'initialize: ')}${tail}`;
  }

  private adopt(connection: { client: UpstreamClient; transport: StdioChildTransport; info: UpstreamInfo }): void {
    const { client, transport, info } = connection;
    this.client = client;
    this.transport = transport;
    this.upstreamInfo = info;
    this.startedAt = Date.now();
    this.options.logger.info('stdio2http MCP proxy command running', { name: this.options.name, pid: transport.pid });
    client.onclose = () => this.onExit(client, transport);
    this.release(client);
  }

  private onExit(client: UpstreamClient, transport: StdioChildTransport): void {
    if (this.closed || client !== this.client) return;
    this.client = undefined;
    if (Date.now() - this.startedAt >= HEALTHY_AFTER_MS) this.failures = 0;
    this.lastExit = transport.exit ? describeExit(transport.exit) : 'closed its stdout';
    const stderr = this.stderrTail(transport);
    this.options.logger.warn(
      `stdio MCP server ${JSON.stringify(this.options.name)} ${this.lastExit}; restarting it in ${this.nextDelay()}ms. Its last stderr lines:\n  ${stderr.join('\n  ') || '(none)'}`,
    );
    // Its pipes may be closed while a grandchild lives on: make sure the old one is gone.
    void transport.close();
    this.scheduleRestart();
  }

  /** The server's last stderr lines (up to 20), secrets taken out. */
  private stderrTail(transport: StdioChildTransport): string[] {
    return transport.lastStderrLines().map((line) => this.options.redact(line));
  }

  private nextDelay(): number {
    return Math.min(this.options.restartDelayMs * 2 ** this.failures, this.options.restartMaxDelayMs);
  }

  private scheduleRestart(): void {
    const delay = this.nextDelay();
    this.failures += 1;
    this.restartTimer = setTimeout(() => void this.restart(), delay);
    this.restartTimer.unref();
  }

  private async restart(): Promise<void> {
    if (this.closed) return;
    let connection;
    try {
      connection = await this.connect();
    } catch (error) {
      if (this.closed) return;
      this.lastExit = `failed to restart: ${error instanceof Error ? error.message : String(error)}`;
      this.options.logger.warn(`stdio MCP server ${JSON.stringify(this.options.name)} ${this.lastExit}; retrying in ${this.nextDelay()}ms`);
      this.scheduleRestart();
      return;
    }
    if (this.closed) {
      await connection.client.close().catch(() => undefined);
      await connection.transport.close();
      return;
    }
    this.adopt(connection);
    this.options.logger.warn(`stdio MCP server ${JSON.stringify(this.options.name)} restarted (pid ${connection.transport.pid ?? '?'})`);
    await this.options.onRestarted(connection.client).catch((error: unknown) => {
      this.options.logger.warn('restoring state of the restarted stdio MCP server failed', { name: this.options.name, error: error instanceof Error ? error.message : String(error) });
    });
  }

  private release(client: UpstreamClient | undefined): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter(client);
  }
}

function describeExit(exit: ChildExit): string {
  if (exit.signal) return `was killed by ${exit.signal}`;
  if (exit.code !== undefined) return `exited with code ${exit.code}`;
  return 'could not be started';
}
