import type { McpProxyError } from './mcp-exchange.js';
import { INVALID_PARAMS, mcpJsonRpcError } from './mcp-json-rpc-error.js';
import type { JsonRpcId } from './mcp-jsonrpc.js';
import { closestName } from '../../common/closest-name.js';
import { NAME_SEPARATOR, splitPrefixedName } from './mcp-names.js';

/** What a client names with a backend prefix: tools and prompts `<server>__<name>`, resources `<server>+<uri>`. */
export type TargetKind = 'tool' | 'prompt' | 'resource';

/**
 * The invalid-params error for a name the session cannot route: it says what was asked for, why,
 * and which servers the session has, so the client (often a model) can correct itself. Only the
 * session's servers are named, not every backend of the route: a backend left out by the
 * backendSelector stays undisclosed.
 */
export function unknownTargetError(id: JsonRpcId, kind: TargetKind, fullName: string, servers: readonly string[], reason?: string, suggestions: readonly string[] = []): McpProxyError {
  const shape = kind === 'resource' ? 'resource URIs are <server>+<uri> (ui://<server>/<path> for UI resources)' : `${kind} names are <server>${NAME_SEPARATOR}<${kind}>`;
  const known = servers.length === 0 ? 'this session has no servers' : `this session's servers: ${servers.map((server) => (kind === 'resource' ? server : `${server}${NAME_SEPARATOR}`)).join(', ')}`;
  const why = reason ?? shape;
  const hint = suggestions.length === 0 ? '' : `; did you mean ${suggestions.map((name) => JSON.stringify(name)).join(' or ')}?`;
  return mcpJsonRpcError(id, INVALID_PARAMS, `unknown ${kind} ${JSON.stringify(fullName)}: ${why}; ${known}${hint}`, 'invalid_param');
}

/** At most this many names in a hint: past that it is a list, not a suggestion. */
const MAX_SUGGESTIONS = 3;

/**
 * The names a client most likely meant by `fullName`, from the prefixed names it may call: the
 * nearest full name (a typo in the server or the tool); else, for a name without the right
 * prefix (`echo` for `everything__echo`: models often drop it), every server's tool of that
 * name; else the tools whose own name is nearest. Empty when nothing is close.
 */
export function suggestNames(fullName: string, names: readonly string[]): string[] {
  const candidates = names.filter((name) => name !== fullName);
  const bare = splitPrefixedName(fullName)?.name ?? fullName;
  const ownName = (name: string): string => splitPrefixedName(name)?.name ?? name;
  const nearest = closestName(fullName, candidates);
  if (nearest !== undefined) return [nearest];
  const sameTool = candidates.filter((name) => ownName(name) === bare);
  if (sameTool.length > 0) return sameTool.slice(0, MAX_SUGGESTIONS);
  const nearestOwn = closestName(bare, candidates.map(ownName));
  return nearestOwn === undefined ? [] : candidates.filter((name) => ownName(name) === nearestOwn).slice(0, MAX_SUGGESTIONS);
}
