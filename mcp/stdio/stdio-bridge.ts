// SPDX-License-Identifier: Apache-2.0
//
// stdio2http (upstream cmd/aigw/stdio2http.go): `aigw run` starts each stdio
// MCP server of --mcp-config / --mcp-json and serves it as a local Streamable HTTP MCP endpoint,
// so the gateway routes to it like to any HTTP MCP backend.
//
// Unlike upstream, which snapshots tools, resources, templates and prompts once at start and
// registers a forwarding handler per item, every request is relayed generically (SDK
// fallbackRequestHandler), so tools added later, pagination, completion, logging, subscriptions,
// tasks and methods this file has never heard of all work, and server→client requests and
// notifications are relayed back. Several HTTP sessions share the one stdio process.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AigwError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { buildStdioEnv } from './stdio-env.js';
import { stdioServerRedactor } from './stdio-redaction.js';
import { StdioSessions } from './stdio-sessions.js';
import { StdioUpstream } from './stdio-upstream.js';

export interface StdioBridgeOptions {
  /** The server's name in the MCP servers JSON (client name `stdio2http-<name>`, messages). */
  name: string;
  command: string;
  args?: readonly string[];
  /** Added to `baseEnv`; `${VAR}` in values is resolved from `baseEnv` (stdio-env.ts). */
  env?: Readonly<Record<string, string>>;
  logger: Logger;
  /** aigw's status lines (see StdioUpstreamOptions.notice); none when absent. */
  notice?: (message: string) => void;
  /** aigw's environment; process.env by default. */
  baseEnv?: Readonly<Record<string, string | undefined>>;
  /**
   * Start-up: how long the server may take to answer `initialize` (default 20 s: enough for an
   * `npx` server to download, short enough that a server that never answers is reported soon).
   */
  initializeTimeoutMs?: number;
  /** While waiting for that answer, a progress notice this often (default 5 s). */
  progressIntervalMs?: number;
  /** A relayed request fails after this long without a response or progress (default 120 s, upstream's write timeout). */
  requestTimeoutMs?: number;
  /** Restart backoff after a crash: first delay, doubled up to the maximum (default 500 ms → 30 s). */
  restartDelayMs?: number;
  restartMaxDelayMs?: number;
  /** How long a request waits for a restarting server before failing (default 10 s). */
  restartWaitMs?: number;
}

export interface StdioBridge {
  readonly name: string;
  /** `http://127.0.0.1:<port>/mcp` */
  readonly url: string;
  /** The stdio server's process id (changes when it is restarted). */
  readonly pid: number | undefined;
  /** Number of open HTTP MCP sessions. */
  readonly sessions: number;
  /** Closes the HTTP sessions and the server (5 s for HTTP, then connections are cut), and terminates the command. */
  close(): Promise<void>;
}

/** The command could not be started or did not complete the MCP handshake: an MCP AigwError. */
function stdioBridgeStartError(serverName: string, reason: string): AigwError {
  // Upstream's wording; aigw run prefixes `failed to proxy stdio for MCP servers: `.
  return new AigwError('MCP', `running the ${serverName} stdio2http proxy command: ${reason}`);
}

const HTTP_SHUTDOWN_MS = 5000;
export const DEFAULT_INITIALIZE_TIMEOUT_MS = 20_000;

/**
 * Starts the command, completes the MCP handshake, then listens on 127.0.0.1:<random>.
 * Rejects with an MCP AigwError when the command or the handshake fails. A later exit is
 * logged (with the server's last stderr lines) and the command restarted with backoff.
 */
export async function startStdioBridge(options: StdioBridgeOptions): Promise<StdioBridge> {
  const { name, logger } = options;
  const env = buildStdioEnv(options.baseEnv ?? process.env, options.env);
  const requestTimeoutMs = options.requestTimeoutMs ?? 120_000;
  // The two halves call each other: the upstream reports to the sessions, which relay to it.
  const ref: { sessions?: StdioSessions } = {};
  const upstream = new StdioUpstream({
    name,
    command: options.command,
    args: options.args ?? [],
    env,
    logger,
    redact: stdioServerRedactor(env, Object.keys(options.env ?? {})),
    ...(options.notice ? { notice: options.notice } : {}),
    initializeTimeoutMs: options.initializeTimeoutMs ?? DEFAULT_INITIALIZE_TIMEOUT_MS,
    progressIntervalMs: options.progressIntervalMs ?? 5000,
    restartDelayMs: options.restartDelayMs ?? 500,
    restartMaxDelayMs: options.restartMaxDelayMs ?? 30_000,
    restartWaitMs: options.restartWaitMs ?? 10_000,
    onRequest: (request, extra) => live().serverRequest(request, extra),
    onNotification: (notification) => live().serverNotification(notification),
    onRestarted: (client) => live().restored(client),
  });
  const live = (): StdioSessions => {
    if (!ref.sessions) throw new Error('stdio2http proxy not ready');
    return ref.sessions;
  };
  try {
    await upstream.start();
  } catch (error) {
    throw stdioBridgeStartError(name, error instanceof Error ? error.message : String(error));
  }
  const active = new StdioSessions({ name, upstream, logger, requestTimeoutMs });
  ref.sessions = active;

  const http = createServer((req, res) => {
    active.handleHttp(req, res).catch((error: unknown) => {
      logger.warn('stdio2http proxy request failed', { name, error: error instanceof Error ? error.message : String(error) });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end();
    });
  });
  let port: number;
  try {
    port = await listen(http);
  } catch (error) {
    await upstream.close();
    throw stdioBridgeStartError(name, `getting a free port for the ${name} stdio2http proxy: ${error instanceof Error ? error.message : String(error)}`);
  }
  const url = `http://127.0.0.1:${port}/mcp`;
  logger.info('starting stdio2http MCP proxy', { name, address: `127.0.0.1:${port}` });

  let closing: Promise<void> | undefined;
  return {
    name,
    url,
    get pid() {
      return upstream.pid;
    },
    get sessions() {
      return active.size;
    },
    close: () => {
      closing ??= (async () => {
        logger.info('shutting down stdio2http MCP proxy', { name });
        await active.closeAll();
        await Promise.all([closeHttp(http), upstream.close()]);
      })();
      return closing;
    },
  };
}

function listen(http: HttpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen({ host: '127.0.0.1', port: 0 }, () => {
      http.off('error', reject);
      const address = http.address();
      if (address === null || typeof address === 'string') reject(new Error(`unexpected listen address ${String(address)}`));
      else resolve((address satisfies AddressInfo).port);
    });
  });
}

function closeHttp(http: HttpServer): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => http.closeAllConnections(), HTTP_SHUTDOWN_MS);
    timer.unref();
    http.close(() => {
      clearTimeout(timer);
      resolve();
    });
    http.closeIdleConnections();
  });
}
