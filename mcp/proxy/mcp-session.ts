import { isRecord } from '../../common/json-guards.js';

/**
 * The gateway session a client holds: which route, who opened it, and the session each backend
 * gave us. It lives only inside the encrypted `mcp-session-id` (see McpSessionCrypto); its
 * plaintext is `{route}@{subject}@{backend}:{base64(sid)}:{capHex},…` as upstream.
 */
export interface McpSession {
  route: string;
  /** JWT `sub` of the client that initialized the session ('' without OAuth). */
  subject: string;
  backends: McpBackendSession[];
}

export interface McpBackendSession {
  backend: string;
  /** The backend's `mcp-session-id`; '' for stateless servers. */
  sessionId: string;
  /** Server capabilities as CAPABILITY bits. */
  capabilities: number;
}

/** Capability bits, in upstream's order. */
export const CAPABILITY = {
  tools: 1 << 0,
  toolsListChanged: 1 << 1,
  prompts: 1 << 2,
  promptsListChanged: 1 << 3,
  logging: 1 << 4,
  resources: 1 << 5,
  resourcesListChanged: 1 << 6,
  resourcesSubscribe: 1 << 7,
  completions: 1 << 8,
} as const;

export function formatSessionPlaintext(session: McpSession): string {
  const backends = session.backends.map((entry) => `${entry.backend}:${Buffer.from(entry.sessionId, 'utf8').toString('base64')}:${entry.capabilities.toString(16)}`);
  return `${session.route}@${session.subject}@${backends.join(',')}`;
}

/** The session in a decrypted id, or undefined when the text is not one. */
export function parseSessionPlaintext(text: string): McpSession | undefined {
  // Route names (`ns/name`) have no '@' but subjects may (e-mail addresses): the route ends at
  // the first '@' and the backend list starts after the last one.
  const first = text.indexOf('@');
  const last = text.lastIndexOf('@');
  if (first <= 0 || last === first) return undefined;
  const backends: McpBackendSession[] = [];
  for (const part of text.slice(last + 1).split(',')) {
    const [backend, sessionId, capabilities, ...extra] = part.split(':');
    if (!backend || sessionId === undefined || extra.length > 0) return undefined;
    const bits = capabilities === undefined || capabilities === '' ? 0 : Number.parseInt(capabilities, 16);
    if (!Number.isInteger(bits) || !/^[0-9a-f]*$/.test(capabilities ?? '')) return undefined;
    backends.push({ backend, sessionId: Buffer.from(sessionId, 'base64').toString('utf8'), capabilities: bits });
  }
  return { route: text.slice(0, first), subject: text.slice(first + 1, last), backends };
}

/** CAPABILITY bits of an initialize result's `capabilities`. */
export function capabilityBits(capabilities: unknown): number {
  if (!isRecord(capabilities)) return 0;
  let bits = 0;
  const { tools, prompts, logging, resources, completions } = capabilities;
  if (isRecord(tools)) bits |= CAPABILITY.tools | (tools.listChanged === true ? CAPABILITY.toolsListChanged : 0);
  if (isRecord(prompts)) bits |= CAPABILITY.prompts | (prompts.listChanged === true ? CAPABILITY.promptsListChanged : 0);
  if (isRecord(logging)) bits |= CAPABILITY.logging;
  if (isRecord(resources)) {
    bits |= CAPABILITY.resources;
    if (resources.listChanged === true) bits |= CAPABILITY.resourcesListChanged;
    if (resources.subscribe === true) bits |= CAPABILITY.resourcesSubscribe;
  }
  if (isRecord(completions)) bits |= CAPABILITY.completions;
  return bits;
}

/** The `capabilities` object the gateway announces for the union of its backends' bits. */
export function capabilitiesOf(bits: number): Record<string, Record<string, boolean>> {
  const result: Record<string, Record<string, boolean>> = {};
  if (bits & CAPABILITY.tools) result.tools = bits & CAPABILITY.toolsListChanged ? { listChanged: true } : {};
  if (bits & CAPABILITY.prompts) result.prompts = bits & CAPABILITY.promptsListChanged ? { listChanged: true } : {};
  if (bits & CAPABILITY.logging) result.logging = {};
  if (bits & CAPABILITY.resources) {
    result.resources = {
      ...(bits & CAPABILITY.resourcesListChanged ? { listChanged: true } : {}),
      ...(bits & CAPABILITY.resourcesSubscribe ? { subscribe: true } : {}),
    };
  }
  if (bits & CAPABILITY.completions) result.completions = {};
  return result;
}

/**
 * SSE event ids: `{backend}:{base64(lastEventId)},…` (encrypted like the session id), so a
 * client's `Last-Event-ID` can be turned back into each backend's own last event id.
 */
export function formatEventIds(ids: ReadonlyMap<string, string>): string {
  return [...ids].map(([backend, id]) => `${backend}:${Buffer.from(id, 'utf8').toString('base64')}`).join(',');
}

export function parseEventIds(text: string): Map<string, string> {
  const ids = new Map<string, string>();
  for (const part of text.split(',')) {
    const colon = part.indexOf(':');
    if (colon <= 0) continue;
    ids.set(part.slice(0, colon), Buffer.from(part.slice(colon + 1), 'base64').toString('utf8'));
  }
  return ids;
}
