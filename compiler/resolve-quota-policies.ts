import type { BackendConfig } from '../contract/filter-config.js';
import type { QuotaModel } from './gateway-model.js';
import type { PerModelQuota, ServiceQuota } from './resources/quota-policy.js';
import type { ResourceOf } from './resources/resource.js';
import { isTarget, type ResourceIndex } from './resource-index.js';

const AI_GROUP = 'aigateway.envoyproxy.io';

interface ModelEntry {
  policy: ResourceOf<'QuotaPolicy'>;
  quota: PerModelQuota;
  used: boolean;
}

interface BackendQuotas {
  models: Map<string, ModelEntry>;
  service?: { policy: ResourceOf<'QuotaPolicy'>; quota: ServiceQuota };
  policies: Set<ResourceOf<'QuotaPolicy'>>;
}

/** The QuotaPolicies by the AIServiceBackend they target, asked about once per route backendRef. */
export interface QuotaIndex {
  /**
   * The budgets on one backendRef's backend. Reports a policy on a backend that a rule with
   * fallback priorities uses: Envoy's rate-limit filter cannot see what such requests cost.
   */
  forBackendRef(backend: BackendConfig, mode: 'router' | 'upstream', route: ResourceOf<'AIGatewayRoute'>, ruleIndex: number): QuotaModel | undefined;
  /** Warns about per-model quotas no backendRef reaches (after every route was resolved). */
  reportUnused(): void;
}

const policyName = (policy: ResourceOf<'QuotaPolicy'>): string => `${policy.metadata.namespace}/${policy.metadata.name}`;

export function resolveQuotaPolicies(index: ResourceIndex): QuotaIndex {
  const byBackend = new Map<string, BackendQuotas>();
  for (const policy of index.all('QuotaPolicy')) {
    const namespace = policy.metadata.namespace;
    policy.spec.targetRefs.forEach((ref, refIndex) => {
      if (!isTarget(ref, 'AIServiceBackend', AI_GROUP, ref.name)) return; // the CRD's CEL rule refuses other kinds
      if (!index.find('AIServiceBackend', ref.name, namespace)) {
        policy.reader.warnAt(['spec', 'targetRefs', refIndex, 'name'], `AIServiceBackend ${namespace}/${ref.name} not found: this target is ignored`);
        return;
      }
      const key = `${namespace}/${ref.name}`;
      const quotas = byBackend.get(key) ?? { models: new Map<string, ModelEntry>(), policies: new Set<ResourceOf<'QuotaPolicy'>>() };
      byBackend.set(key, quotas);
      quotas.policies.add(policy);
      for (const quota of policy.spec.perModelQuotas) {
        const existing = quotas.models.get(quota.modelName);
        if (existing && existing.policy !== policy) {
          policy.reader.errorAt([...quota.path, 'modelName'], `model ${JSON.stringify(quota.modelName)} of AIServiceBackend ${key} is already limited by QuotaPolicy ${policyName(existing.policy)}`, 'give each backend and model one quota');
          continue;
        }
        quotas.models.set(quota.modelName, { policy, quota, used: false });
      }
      if (policy.spec.serviceQuota) {
        if (quotas.service && quotas.service.policy !== policy) {
          policy.reader.errorAt(['spec', 'serviceQuota'], `AIServiceBackend ${key} already has a serviceQuota, from QuotaPolicy ${policyName(quotas.service.policy)}`);
        } else {
          quotas.service = { policy, quota: policy.spec.serviceQuota };
        }
      }
    });
  }
  return {
    forBackendRef(backend, mode, route, ruleIndex) {
      const quotas = byBackend.get(backend.aiServiceBackend);
      if (!quotas) return undefined;
      if (mode === 'upstream') {
        for (const policy of quotas.policies) {
          policy.reader.errorAt(
            ['spec', 'targetRefs'],
            `AIServiceBackend ${backend.aiServiceBackend} is a backend of rule ${ruleIndex} of AIGatewayRoute ${route.metadata.namespace}/${route.metadata.name}, which has fallback priorities: aigw run cannot enforce a quota there (Envoy picks the backend of each attempt after the rate-limit check, so a request cannot be checked against its backend's quota before it is sent)`,
            'give the rule one priority, or limit the backend in a rule without fallback',
          );
        }
        return undefined;
      }
      const model = backend.modelNameOverride !== undefined ? quotas.models.get(backend.modelNameOverride) : undefined;
      if (model) model.used = true;
      if (!model && !quotas.service) return undefined;
      return {
        aiServiceBackend: backend.aiServiceBackend,
        ...(model ? { model: { policy: policyName(model.policy), name: model.quota.modelName, quota: model.quota } } : {}),
        ...(quotas.service ? { service: { policy: policyName(quotas.service.policy), quota: quotas.service.quota } } : {}),
      };
    },
    reportUnused() {
      for (const [backend, quotas] of byBackend) {
        for (const entry of quotas.models.values()) {
          if (entry.used) continue;
          entry.policy.reader.warnAt(
            [...entry.quota.path, 'modelName'],
            `no AIGatewayRoute backendRef to AIServiceBackend ${backend} sets modelNameOverride ${JSON.stringify(entry.quota.modelName)}: this quota limits nothing`,
          );
        }
      }
    },
  };
}
