// The variables an authorization rule's CEL sees. Upstream binds one variable, `request`, holding
// everything (`request.mcp.tool`, `request.auth.jwt.claims`); rules may also be written with the
// shorter `mcp.tool` and `auth.jwt.claims`, so `mcp` and `auth` are bound at top level as well.

import type { CelInput } from '@bufbuild/cel';

import type { JsonRecord } from '../../common/json-guards.js';
import type { McpCall, McpHttpRequest, McpIdentity } from './mcp-route-auth.js';
import { OPTIONAL_KEY } from './cel-optional.js';

/** Values nested deeper than this (in MCP params) reach CEL as null, so conversion stays shallow. */
const MAX_DEPTH = 64;

export interface CelBindings {
  variables: Record<string, CelInput>;
  /** Number of values (scalars, lists, maps) in `variables`: the input size for the cost bound. */
  size: number;
}

/** Converts JSON-like data: numbers stay doubles, as in cel-go for JSON and JWT claims. */
function toCel(value: unknown, depth: number, counter: { size: number }): CelInput {
  counter.size += 1;
  if (value === null || value === undefined || depth > MAX_DEPTH) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'bigint') return value;
  if (Array.isArray(value)) return value.map((item: unknown) => toCel(item, depth + 1, counter));
  if (typeof value === 'object') {
    const out: Record<string, CelInput> = {};
    for (const [key, item] of Object.entries(value)) {
      if (key === OPTIONAL_KEY) continue; // only our optional values may carry this key
      out[key] = toCel(item, depth + 1, counter);
    }
    return out;
  }
  return null;
}

/** Claims as rules see them: `scope` is left out because scopes have their own field, as upstream does. */
export function claimsForRules(claims: JsonRecord): JsonRecord {
  return Object.fromEntries(Object.entries(claims).filter(([name]) => name !== 'scope'));
}

export function buildCelBindings(identity: McpIdentity, request: McpHttpRequest, call: McpCall): CelBindings {
  const counter = { size: 0 };
  // McpHttpRequest carries the first value of each header only, so headers_all lists that value.
  const headers: Record<string, string> = {};
  const headersAll: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    headers[name.toLowerCase()] = value;
    headersAll[name.toLowerCase()] = [value];
  }
  const auth = { jwt: { claims: toCel(claimsForRules(identity.claims), 0, counter), scopes: [...identity.scopes] } };
  const mcp = { method: call.method, backend: call.backend ?? '', tool: call.tool ?? '', params: toCel(call.params, 0, counter) };
  const requestVar = { method: request.method, host: request.host, path: request.path, headers, headers_all: headersAll, auth, mcp };
  counter.size += 2 * Object.keys(headers).length + identity.scopes.length + 16;
  return { variables: { request: requestVar, auth, mcp }, size: counter.size };
}
