import type { ResourceIndex } from './resource-index.js';
import type { ObjectReference } from './resources/object-meta.js';
import type { ResourceOf } from './resources/resource.js';

/**
 * The listeners (`<ns>/<gateway>/<listener>`) a route's parentRefs attach it to, narrowed by
 * sectionName. A missing Gateway or listener is reported on the route; a route without
 * parentRefs is reported as ignored.
 */
export function resolveParentListeners(route: ResourceOf<'AIGatewayRoute' | 'MCPRoute'>, parentRefs: readonly ObjectReference[], index: ResourceIndex): string[] {
  const attachedTo = new Set<string>();
  parentRefs.forEach((ref, i) => {
    const namespace = ref.namespace ?? route.metadata.namespace;
    const gateway = index.find('Gateway', ref.name, namespace);
    if (!gateway) {
      route.reader.errorAt(['spec', 'parentRefs', i, 'name'], `Gateway ${namespace}/${ref.name} not found`, 'attach the route to a Gateway of this configuration');
      return;
    }
    const chosen = gateway.spec.listeners.filter((listener) => ref.sectionName === undefined || listener.name === ref.sectionName);
    if (chosen.length === 0) {
      route.reader.errorAt(['spec', 'parentRefs', i, 'sectionName'], `listener ${JSON.stringify(ref.sectionName)} not found in Gateway ${gateway.metadata.name}`);
    }
    for (const listener of chosen) attachedTo.add(`${namespace}/${gateway.metadata.name}/${listener.name}`);
  });
  if (attachedTo.size === 0 && parentRefs.length === 0) route.reader.warnAt(['spec', 'parentRefs'], 'the route has no parentRefs and is not attached to any Gateway: ignored');
  return [...attachedTo];
}
