// SPDX-License-Identifier: Apache-2.0
import type { McpServerConfig, McpServersConfig } from '../mcp-servers-config.js';
import { AigwError } from '../../common/errors.js';
import type { Logger } from '../../common/logger.js';
import { parseDurationMs } from '../proxy/mcp-proxy-settings.js';
import { startStdioBridge, type StdioBridge, type StdioBridgeOptions } from './stdio-bridge.js';

/** `aigw run` could not start a stdio MCP server: an MCP AigwError (exit 1) with upstream's message. */
function stdioProxyError(message: string): AigwError {
  return new AigwError('MCP', `failed to proxy stdio for MCP servers: ${message}`);
}

export interface ProxiedMcpServers {
  /** The input with each stdio server replaced by `{type: 'http', url: <bridge>, headers, includeTools}`. */
  config: McpServersConfig;
  bridges: StdioBridge[];
  /** Stops every bridge and its command. */
  close(): Promise<void>;
}

export interface ProxyStdioOptions {
  logger: Logger;
  /**
   * aigw's status lines, shown at every log level (`aigw run` prints them as `aigw: <message>`):
   * each server's start, and progress while one is slow to answer `initialize`.
   */
  notice?: (message: string) => void;
  /** aigw's environment (the commands inherit it; `AIGW_MCP_STDIO_INITIALIZE_TIMEOUT` is read from it). */
  env: Readonly<Record<string, string | undefined>>;
  /** Test seam: timeouts and backoff of each bridge. */
  bridgeOptions?: Partial<Pick<StdioBridgeOptions, 'initializeTimeoutMs' | 'progressIntervalMs' | 'requestTimeoutMs' | 'restartDelayMs' | 'restartMaxDelayMs' | 'restartWaitMs'>>;
}

/**
 * Upstream's proxyStdioMCPServers (cmd/aigw/stdio2http.go): every server with a non-empty `command`,
 * whatever its `type` (and even with a `url`, which is then ignored, as upstream), is started
 * behind a stdio2http bridge. They start concurrently (`npx` servers take seconds each); if any
 * fails, the others are stopped and the first failure in name order is reported.
 */
export async function proxyStdioMcpServers(config: McpServersConfig, options: ProxyStdioOptions): Promise<ProxiedMcpServers> {
  const names = Object.keys(config.mcpServers)
    .filter((name) => (config.mcpServers[name]?.command ?? '') !== '')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const initializeTimeoutMs = initializeTimeoutFromEnv(options.env);
  const started = await Promise.allSettled(
    names.map((name) => {
      const server = config.mcpServers[name];
      if (server?.url) options.logger.warn(`MCP server ${JSON.stringify(name)} has both "command" and "url": running the command, the url is ignored`);
      return startStdioBridge({
        name,
        command: server?.command ?? '',
        args: server?.args ?? [],
        ...(server?.env ? { env: server.env } : {}),
        logger: options.logger,
        ...(options.notice ? { notice: options.notice } : {}),
        baseEnv: options.env,
        ...(initializeTimeoutMs !== undefined ? { initializeTimeoutMs } : {}),
        ...options.bridgeOptions,
      });
    }),
  );
  const bridges = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const close = async (): Promise<void> => void (await Promise.all(bridges.map((bridge) => bridge.close())));
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    await close();
    throw stdioProxyError(failure.reason instanceof Error ? failure.reason.message : String(failure.reason));
  }

  const servers: Record<string, McpServerConfig> = {};
  for (const [name, server] of Object.entries(config.mcpServers)) {
    const bridge = bridges.find((candidate) => candidate.name === name);
    const entry: McpServerConfig = bridge
      ? { type: 'http', url: bridge.url, ...(server.headers ? { headers: server.headers } : {}), ...(server.includeTools ? { includeTools: server.includeTools } : {}) }
      : server;
    // defineProperty: a server may be named __proto__.
    Object.defineProperty(servers, name, { value: entry, enumerable: true, writable: true, configurable: true });
  }
  return { config: { mcpServers: servers }, bridges, close };
}

/**
 * `AIGW_MCP_STDIO_INITIALIZE_TIMEOUT` (a Go duration such as `45s` or `2m`, or seconds): how long
 * each server may take to answer `initialize` at start (20 s when unset). Invalid is an error, not
 * the default: a typo must not silently change behaviour.
 */
function initializeTimeoutFromEnv(env: Readonly<Record<string, string | undefined>>): number | undefined {
  const text = env.AIGW_MCP_STDIO_INITIALIZE_TIMEOUT;
  if (text === undefined || text === '') return undefined;
  const ms = parseDurationMs(text);
  if (ms === undefined || ms <= 0) throw stdioProxyError(`AIGW_MCP_STDIO_INITIALIZE_TIMEOUT must be a positive duration such as 45s or 2m, got ${JSON.stringify(text)}`);
  return ms;
}
