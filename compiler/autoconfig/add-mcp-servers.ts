// SPDX-License-Identifier: Apache-2.0
//
// MCP servers JSON → Backends + MCPRoute backendRefs (upstream internal/autoconfig/mcp.go
// `AddMCPServers`).
import type { McpServersConfig } from '../../mcp/mcp-servers-config.js';
import { goAtoi, isIpAddress } from './parse-base-url.js';
import { parseGoUrl } from './parse-go-url.js';
import type { BackendData, McpRefData } from './render-config.js';
import { AigwError, isAigwError } from '../../common/errors.js';

const HTTP_TYPES = new Set(['', 'http', 'streamable-http', 'streamable_http', 'streamableHttp']);

/** Servers in name order; unsupported ones are skipped with a note. Throws INVALID_MCP_SERVER. */
export function addMcpServers(config: McpServersConfig, notes: string[]): { backends: BackendData[]; refs: McpRefData[] } {
  const backends: BackendData[] = [];
  const refs: McpRefData[] = [];
  const names = Object.keys(config.mcpServers).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    const server = config.mcpServers[name];
    if (!server) continue;
    const type = server.type ?? '';
    const url = server.url ?? '';
    if (url === '' || !HTTP_TYPES.has(type)) {
      notes.push(
        url === ''
          ? `MCP server ${JSON.stringify(name)} skipped: it has no url${server.command ? ' (stdio servers must be proxied over HTTP first)' : ''}`
          : `MCP server ${JSON.stringify(name)} skipped: transport type ${JSON.stringify(type)} is not supported (use http / streamable-http)`,
      );
      continue;
    }
    let parsed;
    try {
      parsed = parseGoUrl(url);
    } catch (error) {
      if (isAigwError(error, 'CONFIG')) {
        throw new AigwError('CONFIG', `failed to add MCP servers config: failed to parse MCP server URL ${url}: ${error.message}`);
      }
      throw error;
    }
    let port = parsed.scheme === 'https' ? 443 : parsed.scheme === 'http' ? 80 : 0;
    if (parsed.port !== '') {
      const explicit = goAtoi(parsed.port);
      port = typeof explicit === 'number' ? explicit : 0;
    }
    if (port === 0) notes.push(`MCP server ${JSON.stringify(name)}: no port for URL scheme ${JSON.stringify(parsed.scheme)}; give the port in the URL`);
    if (parsed.hostname === '') notes.push(`MCP server ${JSON.stringify(name)}: the URL ${url} has no host`);
    // As upstream, `Authorization: Bearer <token>` becomes the route's API key (a Secret). Unlike
    // upstream, which drops every other header, aigw sends them too (see McpRefData.headers).
    let apiKey = '';
    const headers: [string, string][] = [];
    for (const [header, value] of Object.entries(server.headers ?? {})) {
      if (header.toLowerCase() === 'authorization' && value.startsWith('Bearer ') && apiKey === '') apiKey = value.slice('Bearer '.length);
      else headers.push([header, value]);
    }
    backends.push({ name, host: parsed.hostname, isIp: isIpAddress(parsed.hostname), port, needsTls: parsed.scheme === 'https', telemetry: false });
    refs.push({ backendName: name, path: parsed.path === '' ? '/' : parsed.path, includeTools: server.includeTools ?? [], apiKey, headers });
  }
  return { backends, refs };
}
