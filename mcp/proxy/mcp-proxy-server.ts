import { readFileSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { isRecord } from '../../common/json-guards.js';
import type { Logger } from '../../common/logger.js';
import type { HeaderAttribute } from '../../extproc/telemetry/metrics/header-attributes.js';
import { labelLimitsFromEnv, type LabelLimits } from '../../extproc/telemetry/metrics/label-limits.js';
import type { McpConfig, McpRouteConfig } from '../../contract/mcp-config.js';
import { McpMetrics } from '../telemetry/mcp-metrics.js';
import { McpProxy } from './mcp-proxy.js';
import { type McpProxySettings, mcpProxySettingsFromEnv } from './mcp-proxy-settings.js';
import type { McpReloadSummary } from './mcp-reload-summary.js';
import type { McpRouteAuth } from '../auth/mcp-route-auth.js';
import { type McpSessionCrypto, mcpSessionCryptoFromEnv } from './mcp-session-crypto.js';
import type { McpTracing } from '../telemetry/mcp-tracing.js';

export interface StartMcpProxyOptions {
  /** Unix socket Envoy's MCP cluster connects to (a stale socket file is replaced). */
  socketPath?: string;
  /** TCP port instead of a socket (tests, debugging); 0 picks a free one. */
  port?: number;
  /** Interface for `port` (default 127.0.0.1). */
  host?: string;
  config: McpConfig;
  /** The security of each route; pass `() => OPEN_ROUTE` for routes without any. */
  authFor: (route: McpRouteConfig) => McpRouteAuth;
  /** Where the MCP metrics are registered (the admin server's /metrics registry). */
  registry: Registry;
  /** Bounds of the client-chosen MCP metric labels; defaults to the `AIGW_METRICS_*` environment (see labelLimitsFromEnv). */
  labelLimits?: LabelLimits;
  logger: Logger;
  /** Defaults to the `AIGW_MCP_SESSION_*` environment (see mcpSessionCryptoFromEnv). */
  crypto?: McpSessionCrypto;
  /** Defaults to the `AIGW_MCP_*` environment (see mcpProxySettingsFromEnv). */
  settings?: McpProxySettings;
  /** Access-log header mappings; the `session.id` one is honoured (see McpProxyOptions.logHeaders). */
  logHeaders?: readonly HeaderAttribute[];
  /** MCP spans (createMcpTracing, loaded only when tracing is on). */
  tracing?: McpTracing;
  env?: NodeJS.ProcessEnv;
}

export interface McpProxyHandle {
  /** `unix:<path>` or `http://host:port`. */
  readonly address: string;
  /** The TCP port, when listening on one. */
  readonly port: number | undefined;
  /**
   * Serves a new configuration without a restart (see McpProxy.reload): requests under way end
   * on the configuration they started with, new ones get the new one; unchanged backends keep
   * their connections and sessions; clients with an open GET stream on a changed route get
   * list_changed notifications. Throws (and changes nothing) when authFor throws for a new or
   * changed route.
   */
  reload(config: McpConfig): McpReloadSummary;
  /** Stops accepting requests, ends open streams, closes backend connections. */
  close(): Promise<void>;
}

/**
 * Starts the MCP proxy HTTP server (Streamable HTTP, every path: the route comes from the
 * `x-ai-eg-mcp-route` header Envoy adds, so one server serves all MCPRoutes).
 */
export async function startMcpProxy(options: StartMcpProxyOptions): Promise<McpProxyHandle> {
  if ((options.socketPath === undefined) === (options.port === undefined)) throw new Error('startMcpProxy needs exactly one of socketPath and port');
  const env = options.env ?? process.env;
  const proxy = new McpProxy({
    config: options.config,
    authFor: options.authFor,
    metrics: new McpMetrics(options.registry, options.labelLimits ?? labelLimitsFromEnv(env)),
    logger: options.logger,
    crypto: options.crypto ?? mcpSessionCryptoFromEnv(env, options.logger),
    settings: options.settings ?? mcpProxySettingsFromEnv(env),
    serverVersion: packageVersion(),
    ...(options.logHeaders ? { logHeaders: options.logHeaders } : {}),
    ...(options.tracing ? { tracing: options.tracing } : {}),
  });
  const server = http.createServer(proxy.handle);
  // Envoy is the only client and keeps its connections: idle ones stay open rather than racing
  // Envoy's reuse of a connection Node is closing (which surfaces as 503s).
  server.keepAliveTimeout = 0;
  // GET streams live as long as the client wants; bodies are small and bounded by the body limit.
  server.requestTimeout = 0;

  if (options.socketPath !== undefined) rmSync(options.socketPath, { force: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const listening = (): void => {
      server.off('error', reject);
      resolve();
    };
    if (options.socketPath !== undefined) server.listen(options.socketPath, listening);
    else server.listen(options.port, options.host ?? '127.0.0.1', listening);
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? (bound satisfies AddressInfo).port : undefined;
  const address = options.socketPath !== undefined ? `unix:${options.socketPath}` : `http://${options.host ?? '127.0.0.1'}:${port}`;
  options.logger.info('MCP proxy listening', { address, routes: options.config.routes.map((route) => route.name) });
  return {
    address,
    port,
    reload: (config) => proxy.reload(config),
    close: () =>
      new Promise<void>((resolve) => {
        proxy.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The aigw version (package.json two levels above dist/extproc/mcp), for serverInfo. */
function packageVersion(): string {
  try {
    const parsed: unknown = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    if (isRecord(parsed) && typeof parsed.version === 'string') return parsed.version;
  } catch {
    // Not laid out as a package (bundled elsewhere): the version is only informative.
  }
  return 'dev';
}
