import type { McpServerConfig, McpServersConfig } from '../../mcp/mcp-servers-config.js';
import type { StdioBridge } from '../../mcp/stdio/stdio-bridge.js';
import { proxyStdioMcpServers, type ProxyStdioOptions } from '../../mcp/stdio/stdio-proxy-servers.js';

interface RunningBridge {
  /** What the bridge runs: a server whose command, arguments or environment change gets a new one. */
  signature: string;
  bridge: StdioBridge;
}

/**
 * The stdio MCP servers of `--mcp-config` / `--mcp-json` behind their HTTP bridges, across
 * reloads of the file: a server whose command is unchanged keeps its bridge (and its process and
 * sessions); a new or changed one is started; a bridge the running configuration no longer
 * uses is stopped once a reload has been applied (`prune`), so sessions on it last until then.
 */
export class StdioMcpServers {
  private bridges: RunningBridge[] = [];

  constructor(private readonly options: ProxyStdioOptions) {}

  /**
   * `config` with each stdio server replaced by its bridge (`{type: 'http', url, headers,
   * includeTools}`), starting the bridges it lacks; throws (an MCP AigwError, upstream's message)
   * when one does not start, leaving the running ones alone.
   */
  async bridge(config: McpServersConfig): Promise<McpServersConfig> {
    const missing: Record<string, McpServerConfig> = {};
    for (const [name, server] of Object.entries(config.mcpServers)) {
      if ((server.command ?? '') !== '' && !this.find(name, server)) Object.defineProperty(missing, name, { value: server, enumerable: true });
    }
    if (Object.keys(missing).length > 0) {
      const started = await proxyStdioMcpServers({ mcpServers: missing }, this.options);
      for (const bridge of started.bridges) {
        const server = missing[bridge.name];
        if (server) this.bridges.push({ signature: signature(server), bridge });
      }
    }
    const servers: Record<string, McpServerConfig> = {};
    for (const [name, server] of Object.entries(config.mcpServers)) {
      const running = (server.command ?? '') !== '' ? this.find(name, server) : undefined;
      const entry: McpServerConfig = running
        ? { type: 'http', url: running.bridge.url, ...(server.headers ? { headers: server.headers } : {}), ...(server.includeTools ? { includeTools: server.includeTools } : {}) }
        : server;
      // defineProperty: a server may be named __proto__.
      Object.defineProperty(servers, name, { value: entry, enumerable: true, writable: true, configurable: true });
    }
    return { mcpServers: servers };
  }

  /** Stops the bridges `serving` (a bridged config, as `bridge` returned) does not point at. */
  async prune(serving: McpServersConfig): Promise<void> {
    const urls = new Set(Object.values(serving.mcpServers).map((server) => server.url));
    const unused = this.bridges.filter((running) => !urls.has(running.bridge.url));
    this.bridges = this.bridges.filter((running) => urls.has(running.bridge.url));
    await Promise.all(unused.map((running) => running.bridge.close()));
  }

  async close(): Promise<void> {
    const all = this.bridges;
    this.bridges = [];
    await Promise.all(all.map((running) => running.bridge.close()));
  }

  private find(name: string, server: McpServerConfig): RunningBridge | undefined {
    const wanted = signature(server);
    // The newest: a server changed back and forth has a bridge per version until pruned.
    return this.bridges.findLast((running) => running.bridge.name === name && running.signature === wanted);
  }
}

function signature(server: McpServerConfig): string {
  return JSON.stringify([server.command ?? '', server.args ?? [], server.env ?? {}]);
}
