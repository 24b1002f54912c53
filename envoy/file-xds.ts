import { createHash } from 'node:crypto';
import { writePrivateFileAtomically } from '../common/write-private-file.js';
import type { XdsChanges } from './xds-version.js';
import { join } from 'node:path';

/**
 * Envoy's listeners, routes and clusters as file-based xDS: `aigw run` writes the compiled
 * bootstrap's static resources into DiscoveryResponse files in one directory that Envoy watches
 * (`path_config_source` with `watched_directory`), so a new configuration is applied by renaming
 * new files into place — no restart, no xDS server. Routes go through RDS: a route change then
 * reaches open connections without draining the listener. `aigw translate` still prints the
 * static form (the compiler's output); this module only moves it.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

/** The resources Envoy reads from the xDS files, by file name. */
export type XdsFiles = Map<string, JsonObject>;

export const LDS_FILE = 'lds.json';
export const CDS_FILE = 'cds.json';
const LISTENER_TYPE = 'type.googleapis.com/envoy.config.listener.v3.Listener';
const CLUSTER_TYPE = 'type.googleapis.com/envoy.config.cluster.v3.Cluster';
const ROUTE_TYPE = 'type.googleapis.com/envoy.config.route.v3.RouteConfiguration';
const HCM_TYPE = 'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager';

export interface SplitBootstrap {
  /** The bootstrap Envoy starts with: no static listeners or clusters, `dynamic_resources` on the files. */
  bootstrap: JsonObject;
  /** The xDS files' contents (one RDS file per route configuration, `rds-<digest of its name>.json`). */
  files: XdsFiles;
}

/**
 * Splits a compiled bootstrap into the bootstrap Envoy starts with and its xDS files in `dir`.
 * Each HTTP connection manager's inline `route_config` becomes an RDS resource of its own name
 * (made unique if two listeners share one), in a file named after it. `version` labels every
 * file (Envoy reports it).
 */
export function splitBootstrap(compiled: unknown, dir: string, version: string): SplitBootstrap {
  if (!isObject(compiled)) throw new Error('the compiled Envoy bootstrap is not an object');
  const { static_resources: resources, ...rest } = compiled;
  const staticResources = isObject(resources) ? resources : {};
  const listeners = arrayOf(staticResources.listeners);
  const clusters = arrayOf(staticResources.clusters);
  const files: XdsFiles = new Map();
  const routeNames = new Set<string>();
  const routes: JsonObject[] = [];
  const dynamicListeners = listeners.map((listener) => withRds(listener, dir, routeNames, routes));
  files.set(CDS_FILE, discoveryResponse(version, CLUSTER_TYPE, clusters));
  for (const route of routes) files.set(rdsFile(typeof route.name === 'string' ? route.name : ''), discoveryResponse(version, ROUTE_TYPE, [route]));
  files.set(LDS_FILE, discoveryResponse(version, LISTENER_TYPE, dynamicListeners));
  return {
    bootstrap: { ...rest, dynamic_resources: { lds_config: fileSource(dir, LDS_FILE), cds_config: fileSource(dir, CDS_FILE) } },
    files,
  };
}

/**
 * Writes the files so that Envoy never reads a half-written one: each is written beside its
 * name and renamed over it (the rename is what the watched directory reports). Clusters first,
 * then routes, then listeners: a route or listener never names a cluster Envoy has not got.
 */
export async function writeXdsFiles(dir: string, files: XdsFiles): Promise<void> {
  const order = [...files.keys()].sort((a, b) => fileRank(a) - fileRank(b) || a.localeCompare(b));
  for (const name of order) {
    const content = files.get(name);
    if (content !== undefined) await writePrivateFileAtomically(join(dir, name), `${JSON.stringify(content, null, 2)}\n`);
  }
}

/** What `next` changes against `previous` (the files last written), by resource content. */
export function xdsChanges(previous: XdsFiles | undefined, next: XdsFiles): XdsChanges {
  const resources = (files: XdsFiles | undefined, name: string): string => JSON.stringify(files?.get(name)?.resources ?? null);
  const routes = new Set<string>();
  for (const [name, content] of next) {
    if (!name.startsWith('rds-') || resources(previous, name) === resources(next, name)) continue;
    const [route] = Array.isArray(content.resources) ? content.resources : [];
    if (isObject(route) && typeof route.name === 'string') routes.add(route.name);
  }
  return { clusters: resources(previous, CDS_FILE) !== resources(next, CDS_FILE), listeners: resources(previous, LDS_FILE) !== resources(next, LDS_FILE), routes };
}

function fileRank(name: string): number {
  return name === CDS_FILE ? 0 : name === LDS_FILE ? 2 : 1;
}

/**
 * An RDS file is named after its route configuration (a digest: names hold slashes), so a
 * listener added or removed before it never makes it read another configuration's file.
 */
function rdsFile(routeName: string): string {
  return `rds-${createHash('sha256').update(routeName).digest('hex').slice(0, 16)}.json`;
}

function fileSource(dir: string, name: string): JsonObject {
  return { path_config_source: { path: join(dir, name), watched_directory: { path: dir } }, resource_api_version: 'V3' };
}

function discoveryResponse(version: string, type: string, resources: JsonObject[]): JsonObject {
  return { version_info: version, resources: resources.map((resource) => ({ '@type': type, ...resource })) };
}

/** The listener with every HCM's inline route_config moved out to RDS (collected in `routes`). */
function withRds(listener: JsonObject, dir: string, routeNames: Set<string>, routes: JsonObject[]): JsonObject {
  const chains = arrayOf(listener.filter_chains).map((chain) => ({
    ...chain,
    filters: arrayOf(chain.filters).map((filter) => {
      const config = filter.typed_config;
      if (!isObject(config) || config['@type'] !== HCM_TYPE || !isObject(config.route_config)) return filter;
      const { route_config: routeConfig, ...hcm } = config;
      const wanted = typeof routeConfig.name === 'string' && routeConfig.name !== '' ? routeConfig.name : typeof listener.name === 'string' ? listener.name : 'routes';
      let name = wanted;
      for (let n = 2; routeNames.has(name); n++) name = `${wanted}#${n}`;
      routeNames.add(name);
      routes.push({ ...routeConfig, name });
      return { ...filter, typed_config: { ...hcm, rds: { route_config_name: name, config_source: fileSource(dir, rdsFile(name)) } } };
    }),
  }));
  return { ...listener, filter_chains: chains };
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayOf(value: unknown): JsonObject[] {
  return Array.isArray(value) ? value.filter(isObject) : [];
}

/**
 * The configuration Envoy is moved through between `old` and `next` (compiled static
 * bootstraps) so that no request fails while the ext_proc still routes by the old one:
 * `next` plus whatever of `old` it drops — clusters and listeners by name, and in each virtual
 * host the old routes whose match `next` no longer has, before its last (catch-all) route.
 * Once the ext_proc routes by `next`, `next` alone is written.
 */
export function bridgeBootstrap(old: unknown, next: unknown): JsonObject {
  if (!isObject(old) || !isObject(next)) throw new Error('the compiled Envoy bootstrap is not an object');
  const oldStatic = isObject(old.static_resources) ? old.static_resources : {};
  const nextStatic = isObject(next.static_resources) ? next.static_resources : {};
  const oldListeners = arrayOf(oldStatic.listeners);
  const nextListeners = arrayOf(nextStatic.listeners);
  const nextClusters = arrayOf(nextStatic.clusters);
  const nextClusterNames = new Set(nextClusters.map((cluster) => cluster.name));
  const nextListenerNames = new Set(nextListeners.map((listener) => listener.name));
  const oldRoutes = new Map<string, JsonObject>();
  for (const listener of oldListeners) for (const route of routeConfigs(listener)) if (typeof route.name === 'string') oldRoutes.set(route.name, route);
  const listeners = [
    ...nextListeners.map((listener) => mapRouteConfigs(listener, (route) => (typeof route.name === 'string' ? withOldRoutes(route, oldRoutes.get(route.name)) : route))),
    ...oldListeners.filter((listener) => !nextListenerNames.has(listener.name)),
  ];
  const clusters = [...nextClusters, ...arrayOf(oldStatic.clusters).filter((cluster) => !nextClusterNames.has(cluster.name))];
  return { ...next, static_resources: { ...nextStatic, listeners, clusters } };
}

function routeConfigs(listener: JsonObject): JsonObject[] {
  return arrayOf(listener.filter_chains).flatMap((chain) =>
    arrayOf(chain.filters).flatMap((filter) => {
      const config = filter.typed_config;
      return isObject(config) && config['@type'] === HCM_TYPE && isObject(config.route_config) ? [config.route_config] : [];
    }),
  );
}

function mapRouteConfigs(listener: JsonObject, map: (route: JsonObject) => JsonObject): JsonObject {
  return {
    ...listener,
    filter_chains: arrayOf(listener.filter_chains).map((chain) => ({
      ...chain,
      filters: arrayOf(chain.filters).map((filter) => {
        const config = filter.typed_config;
        if (!isObject(config) || config['@type'] !== HCM_TYPE || !isObject(config.route_config)) return filter;
        return { ...filter, typed_config: { ...config, route_config: map(config.route_config) } };
      }),
    })),
  };
}

function withOldRoutes(next: JsonObject, old: JsonObject | undefined): JsonObject {
  if (!old) return next;
  const oldHosts = new Map(arrayOf(old.virtual_hosts).map((host) => [host.name, host]));
  return {
    ...next,
    virtual_hosts: arrayOf(next.virtual_hosts).map((host) => {
      const oldHost = oldHosts.get(host.name);
      if (!oldHost) return host;
      const routes = arrayOf(host.routes);
      const matches = new Set(routes.map((route) => JSON.stringify(route.match ?? null)));
      const dropped = arrayOf(oldHost.routes).filter((route) => !matches.has(JSON.stringify(route.match ?? null)));
      if (dropped.length === 0) return host;
      const last = routes.at(-1);
      return { ...host, routes: last && isCatchAll(last) ? [...routes.slice(0, -1), ...dropped, last] : [...routes, ...dropped] };
    }),
  };
}

/** A route every request matches (the compiler's last route: the model-not-found reply). */
function isCatchAll(route: JsonObject): boolean {
  const match = route.match;
  return isObject(match) && match.prefix === '/' && Object.keys(match).length === 1;
}
