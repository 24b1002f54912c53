// SPDX-License-Identifier: Apache-2.0
import { isRecord } from '../../common/json-guards.js';
import type { McpServerConfig, McpServersConfig } from '../../mcp/mcp-servers-config.js';
import { AigwError } from '../../common/errors.js';

/**
 * Parses the canonical `{"mcpServers": {...}}` JSON of `--mcp-config` / `--mcp-json`
 * (upstream internal/autoconfig/mcp.go). As upstream: keys are case-sensitive, unknown keys are ignored, `null`
 * counts as absent, a missing `mcpServers` means no servers. Wrong types are errors. Unlike
 * upstream, `env` (string values) is kept for stdio servers.
 * Throws a CONFIG AigwError: `failed to unmarshal MCP config: <source>: <detail>`.
 */
export function parseMcpServersJson(text: string, source: string): McpServersConfig {
  const fail = (detail: string): never => {
    throw new AigwError('CONFIG', `failed to unmarshal MCP config: ${source}: ${detail}`);
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return fail(text.trim() === '' ? 'empty input, expected a JSON object' : `invalid JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!isRecord(value)) return fail(`expected a JSON object like {"mcpServers": {...}}, got ${describe(value)}`);
  const servers = value.mcpServers;
  const result: Record<string, McpServerConfig> = {};
  if (servers === undefined || servers === null) return { mcpServers: result };
  if (!isRecord(servers)) return fail(`mcpServers: expected an object of servers by name, got ${describe(servers)}`);
  for (const [name, server] of Object.entries(servers)) {
    const at = `mcpServers.${JSON.stringify(name)}`;
    if (server === null) continue;
    if (!isRecord(server)) return fail(`${at}: expected an object, got ${describe(server)}`);
    const entry: McpServerConfig = {};
    for (const key of ['type', 'url', 'command'] as const) {
      const field = server[key];
      if (field === undefined || field === null) continue;
      if (typeof field !== 'string') return fail(`${at}.${key}: expected a string, got ${describe(field)}`);
      entry[key] = field;
    }
    for (const key of ['includeTools', 'args'] as const) {
      const field = server[key];
      if (field === undefined || field === null) continue;
      if (!Array.isArray(field)) return fail(`${at}.${key}: expected an array of strings, got ${describe(field)}`);
      const items: string[] = [];
      for (const [index, item] of (field as unknown[]).entries()) {
        if (typeof item !== 'string') return fail(`${at}.${key}[${index}]: expected a string, got ${describe(item)}`);
        items.push(item);
      }
      entry[key] = items;
    }
    for (const [key, what] of [
      ['headers', 'header values by name'],
      ['env', 'environment variable values by name'],
    ] as const) {
      const field = server[key];
      if (field === undefined || field === null) continue;
      if (!isRecord(field)) return fail(`${at}.${key}: expected an object of ${what}, got ${describe(field)}`);
      const map: Record<string, string> = {};
      for (const [name, fieldValue] of Object.entries(field)) {
        if (fieldValue === null) continue;
        if (typeof fieldValue !== 'string') return fail(`${at}.${key}.${JSON.stringify(name)}: expected a string, got ${describe(fieldValue)}`);
        Object.defineProperty(map, name, { value: fieldValue, enumerable: true, writable: true, configurable: true });
      }
      entry[key] = map;
    }
    Object.defineProperty(result, name, { value: entry, enumerable: true, writable: true, configurable: true });
  }
  return { mcpServers: result };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value === 'string' ? 'a string' : typeof value === 'number' ? 'a number' : typeof value === 'boolean' ? 'a boolean' : typeof value} (${JSON.stringify(value)})`;
}
