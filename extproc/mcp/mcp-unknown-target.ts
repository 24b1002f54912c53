import { INVALID_PARAMS, McpJsonRpcError } from './mcp-json-rpc-error.js';
import type { JsonRpcId } from './mcp-jsonrpc.js';
import { NAME_SEPARATOR } from './mcp-names.js';

/** What a client names with a backend prefix: tools and prompts `<server>__<name>`, resources `<server>+<uri>`. */
export type TargetKind = 'tool' | 'prompt' | 'resource';

/**
 * The invalid-params error for a name the session cannot route: it says what was asked for, why,
 * and which servers the session has, so the client (often a model) can correct itself. Only the
 * session's servers are named, not every backend of the route: a backend left out by the
 * backendSelector stays undisclosed.
 */
export function unknownTargetError(id: JsonRpcId, kind: TargetKind, fullName: string, servers: readonly string[], reason?: string): McpJsonRpcError {
  const shape = kind === 'resource' ? 'resource URIs are <server>+<uri> (ui://<server>/<path> for UI resources)' : `${kind} names are <server>${NAME_SEPARATOR}<${kind}>`;
  const known = servers.length === 0 ? 'this session has no servers' : `this session's servers: ${servers.map((server) => (kind === 'resource' ? server : `${server}${NAME_SEPARATOR}`)).join(', ')}`;
  const why = reason ?? shape;
  return new McpJsonRpcError(id, INVALID_PARAMS, `unknown ${kind} ${JSON.stringify(fullName)}: ${why}; ${known}`, 'invalid_param');
}
