/** What a reload of the MCP proxy changed (McpProxy.reload), for the caller's log. */
export interface McpReloadSummary {
  /** Routes only the new configuration has. */
  routesAdded: string[];
  /** Routes only the old configuration had: their open GET streams were ended. */
  routesRemoved: string[];
  /** Routes in both whose configuration differs. */
  routesChanged: McpRouteChange[];
}

/** How one route changed. */
export interface McpRouteChange {
  route: string;
  backendsAdded: string[];
  backendsRemoved: string[];
  /**
   * Backends whose connection settings (URL, TLS name, headers, API key, forwardHeaders) changed:
   * a new client; existing sessions join them again on their next request.
   */
  backendsChanged: string[];
  /** Backends whose toolSelector alone changed: connections and sessions kept, new requests filter anew. */
  toolSelectorsChanged: string[];
  /** Route fields (other than `backends`) whose value changed: `path`, `hostnames`, `oauth`, `authorization`, … */
  fieldsChanged: string[];
  /** Whether the route's security was built again (authFor asked): an auth-relevant field changed. */
  authRebuilt: boolean;
  /** The list_changed notifications the change calls for (empty when what clients see is the same). */
  notifications: ListChangedMethod[];
  /** How many open GET streams of the route were sent `notifications`. */
  streamsNotified: number;
}

export type ListChangedMethod = 'notifications/tools/list_changed' | 'notifications/prompts/list_changed' | 'notifications/resources/list_changed';

/**
 * The notifications a route change calls for: which backends a session has (added, removed,
 * changed, or another backendSelector) changes every list; a toolSelector or the authorization
 * rules change only which tools are listed.
 */
export function listChangedMethods(change: Omit<McpRouteChange, 'notifications' | 'streamsNotified'>): ListChangedMethod[] {
  const membership =
    change.backendsAdded.length > 0 || change.backendsRemoved.length > 0 || change.backendsChanged.length > 0 || change.fieldsChanged.includes('backendSelector');
  if (membership) return ['notifications/tools/list_changed', 'notifications/prompts/list_changed', 'notifications/resources/list_changed'];
  if (change.toolSelectorsChanged.length > 0 || change.fieldsChanged.includes('authorization')) return ['notifications/tools/list_changed'];
  return [];
}

/** Whether the reload changed anything. */
export function mcpReloadChanged(summary: McpReloadSummary): boolean {
  return summary.routesAdded.length > 0 || summary.routesRemoved.length > 0 || summary.routesChanged.length > 0;
}

/**
 * One line for the log: `MCP routes: added default/b; removed default/c; changed default/a
 * (backends +x -y ~z, toolSelector w, fields authorization, 2 streams notified)`.
 */
export function describeMcpReload(summary: McpReloadSummary): string {
  if (!mcpReloadChanged(summary)) return 'MCP routes unchanged';
  const parts: string[] = [];
  if (summary.routesAdded.length > 0) parts.push(`added ${summary.routesAdded.join(', ')}`);
  if (summary.routesRemoved.length > 0) parts.push(`removed ${summary.routesRemoved.join(', ')}`);
  for (const change of summary.routesChanged) {
    const details: string[] = [];
    const backends = [...change.backendsAdded.map((name) => `+${name}`), ...change.backendsRemoved.map((name) => `-${name}`), ...change.backendsChanged.map((name) => `~${name}`)];
    if (backends.length > 0) details.push(`backends ${backends.join(' ')}`);
    if (change.toolSelectorsChanged.length > 0) details.push(`toolSelector ${change.toolSelectorsChanged.join(' ')}`);
    if (change.fieldsChanged.length > 0) details.push(`fields ${change.fieldsChanged.join(' ')}`);
    if (change.notifications.length > 0) details.push(`${change.streamsNotified} ${change.streamsNotified === 1 ? 'stream' : 'streams'} notified`);
    parts.push(`changed ${change.route} (${details.join(', ')})`);
  }
  return `MCP routes: ${parts.join('; ')}`;
}
