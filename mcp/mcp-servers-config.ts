// SPDX-License-Identifier: Apache-2.0

/**
 * One entry of the canonical MCP servers JSON (upstream internal/autoconfig/mcp.go), as used by Claude Desktop,
 * Cursor and VS Code. Fields that upstream ignores (`cwd`, `disabled`, ...) are dropped; `env` is
 * kept (upstream ignores it too) because stdio servers commonly need it for their credentials.
 */
export interface McpServerConfig {
  /** Transport: '', 'http', 'streamable-http', 'streamable_http' or 'streamableHttp' are served. */
  type?: string;
  url?: string;
  /** Only `Authorization: Bearer <token>` is used (as the MCPRoute API key). */
  headers?: Record<string, string>;
  /** Exact tool names to expose; all tools when absent or empty. */
  includeTools?: string[];
  /** stdio servers: the command aigw run starts and proxies over HTTP. */
  command?: string;
  args?: string[];
  /**
   * stdio servers: variables added to aigw's own environment for the command; `${VAR}` in a value
   * is replaced from aigw's environment (extproc/mcp/stdio-env.ts).
   */
  env?: Record<string, string>;
}

/** `{"mcpServers": {"<name>": {...}}}` */
export interface McpServersConfig {
  mcpServers: Record<string, McpServerConfig>;
}
