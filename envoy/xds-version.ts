import { AigwError } from '../common/errors.js';
import { isRecord } from '../common/json-guards.js';

/**
 * Which xDS files a write changed (their resources, not just the version label). Envoy reports
 * a file's new version only when it applied something: LDS keeps its version when every
 * listener is unchanged, so only the changed files are waited for.
 */
export interface XdsChanges {
  clusters: boolean;
  listeners: boolean;
  /** Names of the route configurations whose RDS file changed. */
  routes: ReadonlySet<string>;
}

/**
 * Whether Envoy's config dump shows the changed file-based xDS resources at `version` (see
 * XdsChanges; all of them when `changes` is not given), with no listener still warming. Envoy
 * accepts or rejects a file whole, so a matching version means the file is applied.
 */
export function servesVersion(dump: unknown, version: string, changes?: XdsChanges): boolean {
  const configs = isRecord(dump) && Array.isArray(dump.configs) ? dump.configs.filter(isRecord) : [];
  const byType = (suffix: string): Record<string, unknown> | undefined => configs.find((config) => typeof config['@type'] === 'string' && config['@type'].endsWith(suffix));
  const clusters = byType('.ClustersConfigDump');
  const listeners = byType('.ListenersConfigDump');
  const routes = byType('.RoutesConfigDump');
  if ((changes?.clusters ?? true) && clusters?.version_info !== version) return false;
  if ((changes?.listeners ?? true) && listeners?.version_info !== version) return false;
  const dynamicListeners = listeners && Array.isArray(listeners.dynamic_listeners) ? listeners.dynamic_listeners.filter(isRecord) : [];
  if (dynamicListeners.some((listener) => listener.warming_state !== undefined)) return false;
  const routeConfigs = routes && Array.isArray(routes.dynamic_route_configs) ? routes.dynamic_route_configs.filter(isRecord) : [];
  const routeName = (route: Record<string, unknown>): unknown => (isRecord(route.route_config) ? route.route_config.name : undefined);
  const expected = changes ? routeConfigs.filter((route) => changes.routes.has(String(routeName(route)))) : routeConfigs;
  if (changes && expected.length < changes.routes.size) return false; // a new route configuration not there yet
  return expected.every((route) => route.version_info === version);
}

/** Polls Envoy's admin `/config_dump` until it serves `version` (see servesVersion), or fails after `timeoutMs`. */
export async function waitForXdsVersion(adminAddress: string, version: string, timeoutMs = 10_000, changes?: XdsChanges): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer from its admin server';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://${adminAddress}/config_dump`, { signal: AbortSignal.timeout(2000) });
      const dump: unknown = await response.json();
      if (servesVersion(dump, version, changes)) return;
      last = 'it still serves an earlier version';
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new AigwError('ENVOY', `Envoy did not apply configuration version ${version} within ${timeoutMs / 1000}s (${last}); a listener port in use is the usual cause`);
}
