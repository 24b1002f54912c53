import { dirname, join } from 'node:path';

/**
 * Where the MCP proxy listens when the caller does not say: `mcp.sock` next to the ext_proc
 * socket, so one run directory holds both and translate's output stays fixed.
 */
export function defaultMcpProxySocketPath(extProcSocketPath: string): string {
  return join(dirname(extProcSocketPath), 'mcp.sock');
}

/** Where the rate-limit service listens when the caller does not say: `ratelimit.sock` next to the ext_proc socket. */
export function defaultRateLimitSocketPath(extProcSocketPath: string): string {
  return join(dirname(extProcSocketPath), 'ratelimit.sock');
}
