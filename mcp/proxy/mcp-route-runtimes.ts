import type { Logger } from '../../common/logger.js';
import type { McpBackendConfig, McpConfig, McpRouteConfig } from '../../contract/mcp-config.js';
import type { McpRouteAuth } from '../auth/mcp-route-auth.js';
import { McpBackendClient } from './mcp-backend-client.js';
import type { BackendRuntime, RouteRuntime } from './mcp-exchange.js';
import { listChangedMethods, type McpReloadSummary, type McpRouteChange } from './mcp-reload-summary.js';
import { compileToolSelector } from './mcp-tool-selector.js';

export interface RouteRuntimesOptions {
  /** The security of a route; may throw (then nothing was built). */
  authFor: (route: McpRouteConfig) => McpRouteAuth;
  logger: Logger;
  /** The proxy epoch the runtimes are for: what is new or changed is dated with it. */
  epoch: number;
}

/** Runtimes for a configuration, what they changed, and the clients they no longer use. */
export interface RouteRuntimes {
  routes: Map<string, RouteRuntime>;
  summary: McpReloadSummary;
  /** Clients of `previous` that no runtime of `routes` uses. */
  retired: McpBackendClient[];
}

/**
 * The runtimes of `config`, keeping from `previous` what did not change: a route whose
 * configuration is the same keeps its runtime; a backend whose configuration is the same keeps
 * its runtime (client, connections, epoch); one whose toolSelector alone changed keeps its client
 * and epoch with a new selector; a route whose auth-relevant fields (everything but its backends
 * and listeners) are the same keeps its McpRouteAuth, so authFor (which may fetch a JWKS or
 * compile CEL) is asked only for new and changed routes. Configurations are compared as JSON:
 * both come from the same parser, so equal values serialize alike.
 *
 * All authFor calls come first: when one throws, nothing has been built and the error goes to
 * the caller, whose runtimes stay as they were. Without `previous` (the proxy's start) every
 * route is new.
 */
export function buildRouteRuntimes(config: McpConfig, previous: ReadonlyMap<string, RouteRuntime>, options: RouteRuntimesOptions): RouteRuntimes {
  const { epoch } = options;
  const secured = config.routes.map((route) => {
    const old = previous.get(route.name);
    return { route, old, auth: old && authKey(old.config) === authKey(route) ? old.auth : options.authFor(route) };
  });

  const routes = new Map<string, RouteRuntime>();
  const summary: McpReloadSummary = { routesAdded: [], routesRemoved: [], routesChanged: [] };
  for (const { route, old, auth } of secured) {
    if (old && sameJson(old.config, route)) {
      routes.set(route.name, old);
      continue;
    }
    const change: Omit<McpRouteChange, 'notifications' | 'streamsNotified'> = {
      route: route.name,
      backendsAdded: [],
      backendsRemoved: [],
      backendsChanged: [],
      toolSelectorsChanged: [],
      fieldsChanged: old ? changedFields(old.config, route) : [],
      authRebuilt: old !== undefined && auth !== old.auth,
    };
    const backends = new Map<string, BackendRuntime>();
    for (const backend of route.backends) {
      const before = old?.backends.get(backend.name);
      const selector = (): BackendRuntime['selector'] =>
        compileToolSelector(backend.toolSelector, (pattern, error) =>
          options.logger.error('MCP toolSelector regex is invalid and matches nothing', { route: route.name, backend: backend.name, pattern, error }),
        );
      if (before && sameJson(before.config, backend)) {
        backends.set(backend.name, before);
      } else if (before && connectionKey(before.config) === connectionKey(backend)) {
        backends.set(backend.name, { config: backend, client: before.client, selector: selector(), since: before.since });
        change.toolSelectorsChanged.push(backend.name);
      } else {
        backends.set(backend.name, { config: backend, client: new McpBackendClient(backend), selector: selector(), since: epoch });
        if (before) change.backendsChanged.push(backend.name);
        else if (old) change.backendsAdded.push(backend.name);
      }
    }
    if (old) {
      for (const name of old.backends.keys()) if (!backends.has(name)) change.backendsRemoved.push(name);
      summary.routesChanged.push({ ...change, notifications: listChangedMethods(change), streamsNotified: 0 });
    } else {
      summary.routesAdded.push(route.name);
    }
    const selectorSince = old && sameJson(old.config.backendSelector, route.backendSelector) ? old.selectorSince : epoch;
    routes.set(route.name, { config: route, auth, backends, selectorSince });
  }
  for (const name of previous.keys()) if (!routes.has(name)) summary.routesRemoved.push(name);

  const kept = new Set<McpBackendClient>();
  for (const route of routes.values()) for (const backend of route.backends.values()) kept.add(backend.client);
  const retired = new Set<McpBackendClient>();
  for (const route of previous.values()) for (const backend of route.backends.values()) if (!kept.has(backend.client)) retired.add(backend.client);
  return { routes, summary, retired: [...retired] };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** What McpRouteAuth may depend on: the route without its backends and listeners. */
function authKey(route: McpRouteConfig): string {
  return JSON.stringify({ ...route, backends: undefined, listeners: undefined });
}

/** What the backend's client and sessions depend on: everything but the toolSelector. */
function connectionKey(backend: McpBackendConfig): string {
  return JSON.stringify({ ...backend, toolSelector: undefined });
}

/** The route fields other than name and backends whose values differ. */
function changedFields(before: McpRouteConfig, after: McpRouteConfig): string[] {
  const fields = new Set([...Object.keys(before), ...Object.keys(after)]);
  fields.delete('name');
  fields.delete('backends');
  const beforeRecord: Record<string, unknown> = { ...before };
  const afterRecord: Record<string, unknown> = { ...after };
  return [...fields].filter((field) => !sameJson(beforeRecord[field], afterRecord[field])).sort();
}
