// SPDX-License-Identifier: Apache-2.0
import type { McpServerConfig, McpServersConfig } from '../../compiler/autoconfig/mcp-servers-config.js';
import type { Logger } from '../logger.js';
import { startStdioBridge, type StdioBridge, type StdioBridgeOptions } from './stdio-bridge.js';

/** `aigw run` could not start a stdio MCP server (exit 1, upstream's message). */
export class StdioProxyError extends Error {
  readonly code = 'STDIO_PROXY_FAILED';
  constructor(message: string) {
    super(`failed to proxy stdio for MCP servers: ${message}`);
    this.name = 'StdioProxyError';
  }
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
  /** aigw's environment (the commands inherit it). */
  env: Readonly<Record<string, string | undefined>>;
  /** Test seam: timeouts and backoff of each bridge. */
  bridgeOptions?: Partial<Pick<StdioBridgeOptions, 'initializeTimeoutMs' | 'requestTimeoutMs' | 'restartDelayMs' | 'restartMaxDelayMs' | 'restartWaitMs'>>;
}

/**
 * Upstream's proxyStdioMCPServers (spec/cli.md §4.5): every server with a non-empty `command`,
 * whatever its `type` (and even with a `url`, which is then ignored, as upstream), is started
 * behind a stdio2http bridge. They start concurrently (`npx` servers take seconds each); if any
 * fails, the others are stopped and the first failure in name order is reported.
 */
export async function proxyStdioMcpServers(config: McpServersConfig, options: ProxyStdioOptions): Promise<ProxiedMcpServers> {
  const names = Object.keys(config.mcpServers)
    .filter((name) => (config.mcpServers[name]?.command ?? '') !== '')
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
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
        baseEnv: options.env,
        ...options.bridgeOptions,
      });
    }),
  );
  const bridges = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const close = async (): Promise<void> => void (await Promise.all(bridges.map((bridge) => bridge.close())));
  const failure = started.find((result) => result.status === 'rejected');
  if (failure) {
    await close();
    throw new StdioProxyError(failure.reason instanceof Error ? failure.reason.message : String(failure.reason));
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
