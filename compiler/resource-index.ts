import type { ObjectReference } from './resources/object-meta.js';
import type { Resource, ResourceKind, ResourceOf } from './resources/resource.js';

/** The resources of a configuration, looked up by kind, name and namespace. */
export class ResourceIndex {
  constructor(private readonly resources: readonly Resource[]) {}

  all<K extends ResourceKind>(kind: K): ResourceOf<K>[] {
    return this.resources.filter((resource): resource is ResourceOf<K> => resource.kind === kind);
  }

  find<K extends ResourceKind>(kind: K, name: string, namespace: string | undefined): ResourceOf<K> | undefined {
    return this.all(kind).find((resource) => resource.metadata.name === name && (namespace === undefined || resource.metadata.namespace === namespace));
  }
}

/** Whether a policy target names this object (an unset group means the kind's own group). */
export function isTarget(target: ObjectReference, kind: string, group: string, name: string): boolean {
  return target.kind === kind && (target.group ?? group) === group && target.name === name;
}

/** TLS towards a Backend: its BackendTLSPolicy, else the Backend's own `tls`. */
export function backendTls(backend: ResourceOf<'Backend'>, index: ResourceIndex): { sni: string; systemCAs: boolean } | undefined {
  const policy = index
    .all('BackendTLSPolicy')
    .find((candidate) => candidate.metadata.namespace === backend.metadata.namespace && candidate.spec.targetRefs.some((target) => isTarget(target, 'Backend', 'gateway.envoyproxy.io', backend.metadata.name)));
  if (policy) return { sni: policy.spec.hostname, systemCAs: policy.spec.systemCAs };
  if (!backend.spec.tls) return undefined;
  const first = backend.spec.endpoints[0];
  return { sni: backend.spec.tls.sni ?? (first?.kind === 'fqdn' ? first.hostname : ''), systemCAs: backend.spec.tls.systemCAs };
}
