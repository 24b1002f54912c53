import type { BackendRuntime, Exchange, RouteRuntime } from './mcp-exchange.js';
import { joinBackend } from './mcp-initialize.js';
import type { McpBackendSession, McpSession } from './mcp-session.js';

/** What a stored session keeps and what it must join, against a route as it is now. */
export interface SessionBackendsPlan {
  /** The session's own backend sessions that are still valid. */
  kept: McpBackendSession[];
  /** Backends of the route the session has no valid session with and may use. */
  join: BackendRuntime[];
}

/**
 * Reconciles a session made in `epoch` with the route now. A backend added, or whose connection
 * settings changed, after the session was made (`since > epoch`) is joined: its entry, if any,
 * belongs to a server or settings that are gone. Entries of removed backends are dropped. When the
 * route's backendSelector changed since, the entries it now refuses are dropped and the backends
 * it now selects are joined. A session of unknown epoch (another process made it, or this one
 * before a restart) is taken as current: only removed backends are dropped.
 */
export function planSessionBackends(route: RouteRuntime, stored: McpSession, epoch: number | undefined, selects: (backend: string) => boolean): SessionBackendsPlan {
  const current = stored.backends.filter((entry) => route.backends.has(entry.backend));
  if (epoch === undefined) return { kept: current, join: [] };
  const reselect = route.selectorSince > epoch;
  const stale = (backend: BackendRuntime): boolean => backend.since > epoch;
  const kept = current.filter((entry) => {
    const backend = route.backends.get(entry.backend);
    return backend !== undefined && !stale(backend) && (!reselect || selects(entry.backend));
  });
  const inStored = new Set(stored.backends.map((entry) => entry.backend));
  const join = [...route.backends.values()].filter((backend) => (stale(backend) || (reselect && !inStored.has(backend.config.name))) && selects(backend.config.name));
  return { kept, join };
}

/**
 * The backends the exchange's session uses on its route now (planSessionBackends), in the route's
 * order. `join`: joins the backends it must (once per session, see BackendJoins); `joined-only`:
 * only the joins made already, for a DELETE (a backend is not joined just to end its session).
 */
export async function resolveSessionBackends(exchange: Exchange, mode: 'join' | 'joined-only'): Promise<McpBackendSession[]> {
  const session = exchange.session;
  if (!session) return [];
  const { route, identity, httpRequest, runtime } = exchange;
  const plan = planSessionBackends(route, session.stored, session.epoch, (backend) => route.auth.selectsBackend(identity, httpRequest, backend));
  if (plan.join.length === 0) return plan.kept;
  const joined = await Promise.all(
    plan.join.map((backend) => (mode === 'join' ? runtime.joins.join(session.token, backend, () => joinBackend(exchange, backend)) : (runtime.joins.joined(session.token, backend) ?? Promise.resolve(undefined)))),
  );
  const entries = [...plan.kept, ...joined.filter((entry): entry is McpBackendSession => entry !== undefined)];
  const order = [...route.backends.keys()];
  return entries.sort((a, b) => order.indexOf(a.backend) - order.indexOf(b.backend));
}
