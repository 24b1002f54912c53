/** Tunables of the MCP proxy that come from the environment (none is needed in normal use). */
export interface McpProxySettings {
  /** Interval of the gateway's `ping` on GET streams; 0 disables it. */
  heartbeatIntervalMs: number;
  /** Largest POST body accepted (413 above). */
  maxRequestBodyBytes: number;
  /** How long a backend may take to answer `initialize` before the session goes on without it. */
  initializeTimeoutMs: number;
}

export const DEFAULT_MCP_PROXY_SETTINGS: McpProxySettings = {
  heartbeatIntervalMs: 60_000,
  maxRequestBodyBytes: 4 * 1024 * 1024,
  initializeTimeoutMs: 30_000,
};

/**
 * Reads `AIGW_MCP_HEARTBEAT_INTERVAL` (Go duration such as `30s` or `1m`, or seconds; upstream's
 * `MCP_PROXY_HEARTBEAT_INTERVAL` is read too) and `AIGW_MCP_MAX_REQUEST_BODY_SIZE` (bytes;
 * upstream's `MCP_PROXY_MAX_REQUEST_BODY_SIZE` too). Invalid values are errors, not defaults:
 * a typo must not silently change behaviour.
 */
export function mcpProxySettingsFromEnv(env: NodeJS.ProcessEnv): McpProxySettings {
  const settings = { ...DEFAULT_MCP_PROXY_SETTINGS };
  const heartbeat = env.AIGW_MCP_HEARTBEAT_INTERVAL ?? env.MCP_PROXY_HEARTBEAT_INTERVAL;
  if (heartbeat !== undefined && heartbeat !== '') {
    const ms = parseDurationMs(heartbeat);
    if (ms === undefined) throw new Error(`AIGW_MCP_HEARTBEAT_INTERVAL must be a duration such as 30s or 1m, got ${JSON.stringify(heartbeat)}`);
    settings.heartbeatIntervalMs = ms;
  }
  const bodySize = env.AIGW_MCP_MAX_REQUEST_BODY_SIZE ?? env.MCP_PROXY_MAX_REQUEST_BODY_SIZE;
  if (bodySize !== undefined && bodySize !== '') {
    const bytes = Number(bodySize);
    if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new Error(`AIGW_MCP_MAX_REQUEST_BODY_SIZE must be a positive number of bytes, got ${JSON.stringify(bodySize)}`);
    settings.maxRequestBodyBytes = bytes;
  }
  return settings;
}

/** A Go `time.ParseDuration` string (`1h2m3.5s`, `250ms`, `0`) or a plain number of seconds. */
export function parseDurationMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const match of trimmed.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) {
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? 0);
  }
  return total;
}

const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
