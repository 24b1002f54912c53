import type { JsonRecord } from '../../common/json-guards.js';
import type { BackendRuntime } from './mcp-exchange.js';
import type { McpBackendSession } from './mcp-session.js';

/** What a client said of itself at initialize, which a backend joined later is told too. */
export interface ClientInitialization {
  capabilities: JsonRecord;
  clientInfo: JsonRecord;
}

/**
 * The backend sessions opened for gateway sessions after a reload (a backend added or changed
 * since the session was made), by (session id, backend, the backend's epoch): the gateway
 * session id cannot change under a client, so it is here, not in the id, that a session keeps
 * the backends it joined. Each join is made once however many requests ask at the same time; a
 * join that failed stays failed (as a backend that fails at initialize stays out of the session).
 *
 * Bounded (least recently used first out): a session whose joins were dropped, or that another
 * process serves, joins again with a new backend session; the one it had ends on the backend's
 * own idle timeout.
 */
export class BackendJoins {
  private readonly joins = new Map<string, Promise<McpBackendSession | undefined>>();
  /**
   * The client's initialize params by session (not in the id either): a backend joined later gets
   * the client's capabilities and name, so it may ask for sampling, elicitation or roots as it
   * would have from the start. Unknown (evicted, another process): the gateway's name, no capabilities.
   */
  private readonly clients = new Map<string, ClientInitialization>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  /** The session's join of `backend`: the one made before, or `start()`'s (which must not reject). */
  join(token: string, backend: BackendRuntime, start: () => Promise<McpBackendSession | undefined>): Promise<McpBackendSession | undefined> {
    const key = joinKey(token, backend);
    const known = this.touch(key);
    if (known) return known;
    const started = start();
    this.joins.set(key, started);
    evictOldest(this.joins, this.capacity);
    return started;
  }

  /** Keeps what the client of session `token` said at initialize. */
  rememberClient(token: string, client: ClientInitialization): void {
    this.clients.set(token, client);
    evictOldest(this.clients, this.capacity);
  }

  /** What the client of session `token` said at initialize, when this process still knows it. */
  clientOf(token: string): ClientInitialization | undefined {
    return touch(this.clients, token);
  }

  /** The session's join of `backend` when one was made (or is under way); never starts one. */
  joined(token: string, backend: BackendRuntime): Promise<McpBackendSession | undefined> | undefined {
    return this.touch(joinKey(token, backend));
  }

  /** Forgets a session's joins and client (the client ended it). */
  forget(token: string): void {
    const prefix = `${token}\u0000`;
    for (const key of [...this.joins.keys()]) if (key.startsWith(prefix)) this.joins.delete(key);
    this.clients.delete(token);
  }

  private touch(key: string): Promise<McpBackendSession | undefined> | undefined {
    return touch(this.joins, key);
  }
}

/** The entry, made the most recent (Map iteration order is insertion order: re-inserting moves it last). */
function touch<T>(map: Map<string, T>, key: string): T | undefined {
  const known = map.get(key);
  if (known !== undefined) {
    map.delete(key);
    map.set(key, known);
  }
  return known;
}

function evictOldest(map: Map<string, unknown>, capacity: number): void {
  while (map.size > capacity) {
    const oldest = map.keys().next();
    if (oldest.done) break;
    map.delete(oldest.value);
  }
}

/** The backend's epoch is in the key: a backend changed twice is joined again with its new settings. */
function joinKey(token: string, backend: BackendRuntime): string {
  return `${token}\u0000${backend.config.name}\u0000${backend.since}`;
}

/** About 10k sessions each joining one backend: a few MB of ids at most. */
const DEFAULT_CAPACITY = 10_000;
