import { McpProxyError } from './mcp-exchange.js';
import type { JsonRpcId } from './mcp-jsonrpc.js';

/** JSON-RPC "invalid params" (MCP uses it for unknown tools, prompts and resources too). */
export const INVALID_PARAMS = -32602;

/**
 * An error answered as a JSON-RPC error response (HTTP 200), not as an HTTP status. For mistakes a
 * client must see as its request failing rather than its session: Streamable HTTP clients read a
 * 404 as "session expired" and start over, and other 4xx as a transport failure. A McpProxyError
 * with its `jsonRpc` set rather than a subclass: its JSON-RPC `code` (a number) cannot share the
 * name of AigwError's `code`.
 */
export function mcpJsonRpcError(id: JsonRpcId, code: number, message: string, errorType: string): McpProxyError {
  return new McpProxyError(200, message, errorType, undefined, { id, code });
}
