import type { RateLimitUnit } from '../../contract/rate-limit-config.js';
import type { FieldReader } from '../field-reader.js';
import { checkCostExpression } from './ai-gateway-route.js';
import { readReference, type ObjectReference } from './object-meta.js';
import { readClientSelectors, type RateLimitSelectors } from './rate-limit-rule.js';

/**
 * QuotaPolicy (`aigateway.envoyproxy.io/v1alpha1`): token budgets on AIServiceBackends of its
 * namespace, enforced by the rate-limit service in the `ai-gateway-quota` domain.
 */
export interface QuotaPolicySpec {
  targetRefs: ObjectReference[];
  perModelQuotas: PerModelQuota[];
  serviceQuota?: ServiceQuota;
}

/** A budget: `limit` cost units (tokens by default) per window. */
export interface QuotaValue {
  limit: number;
  unit: RateLimitUnit;
}

export interface PerModelQuota {
  /** Matched against the `modelNameOverride` of route backendRefs to a targeted backend. */
  modelName: string;
  /** CEL over the token counts; default `total_tokens`. */
  costExpression: string;
  defaultBucket?: QuotaValue;
  bucketRules: BucketRule[];
  /** `spec.perModelQuotas[i]`, for messages about this entry. */
  path: (string | number)[];
}

export interface BucketRule {
  selectors: RateLimitSelectors;
  quota: QuotaValue;
  shadowMode: boolean;
}

/** One budget over all the traffic of each targeted backend, whatever the model. */
export interface ServiceQuota {
  quota: QuotaValue;
  costExpression: string;
}

/** The cost upstream charges when a quota sets no `costExpression`. */
export const DEFAULT_QUOTA_COST_EXPRESSION = 'total_tokens';

const DURATIONS: Readonly<Record<string, RateLimitUnit>> = { '1s': 'second', '1m': 'minute', '1h': 'hour', '1d': 'day' };
const MAX_LIMIT = 2 ** 32 - 1;

export function readQuotaPolicySpec(spec: FieldReader): QuotaPolicySpec {
  const targetRefs = spec.objects('targetRefs').map(readReference);
  const perModelQuotas = spec.objects('perModelQuotas').flatMap((entry, index): PerModelQuota[] => {
    const modelName = entry.requiredString('modelName');
    const quota = entry.requiredObject('quota');
    entry.done();
    if (!quota) return [];
    const costExpression = readCostExpression(quota);
    // `Shared` is the only mode the API has (and its default).
    quota.oneOf('mode', ['Shared'] as const);
    const defaultBucketReader = quota.object('defaultBucket');
    const defaultBucket = defaultBucketReader ? readQuotaValue(defaultBucketReader) : undefined;
    const bucketRules = quota.objects('bucketRules').flatMap((rule): BucketRule[] => {
      const selectors = readClientSelectors(rule, 'clientSelectors', { sourceCIDR: false });
      const valueReader = rule.requiredObject('quota');
      const value = valueReader ? readQuotaValue(valueReader) : undefined;
      const shadowMode = rule.boolean('shadowMode') ?? false;
      rule.done();
      return selectors && value ? [{ selectors, quota: value, shadowMode }] : [];
    });
    quota.done();
    if (!defaultBucketReader && bucketRules.length === 0) {
      quota.warn(undefined, `model ${JSON.stringify(modelName)} has neither a defaultBucket nor bucketRules: nothing is limited`);
    }
    return [{ modelName, costExpression, ...(defaultBucket ? { defaultBucket } : {}), bucketRules, path: [...spec.path, 'perModelQuotas', index] }];
  });
  const seen = new Map<string, number>();
  perModelQuotas.forEach((entry, index) => {
    const first = seen.get(entry.modelName);
    if (first !== undefined) spec.errorAt([...spec.path, 'perModelQuotas', index, 'modelName'], `Duplicate value: ${JSON.stringify(entry.modelName)}: already limited by perModelQuotas[${first}]`);
    else seen.set(entry.modelName, index);
  });
  let serviceQuota: ServiceQuota | undefined;
  const service = spec.object('serviceQuota');
  if (service) {
    const costExpression = readCostExpression(service);
    const valueReader = service.requiredObject('quota');
    const value = valueReader ? readQuotaValue(valueReader) : undefined;
    service.done();
    if (value) serviceQuota = { quota: value, costExpression };
  }
  spec.done();
  return { targetRefs, perModelQuotas, ...(serviceQuota ? { serviceQuota } : {}) };
}

function readCostExpression(parent: FieldReader): string {
  const expression = parent.string('costExpression');
  if (expression === undefined || expression.trim() === '') return DEFAULT_QUOTA_COST_EXPRESSION;
  checkCostExpression(parent, expression, 'costExpression');
  return expression;
}

function readQuotaValue(value: FieldReader): QuotaValue | undefined {
  const limit = value.integer('limit', { min: 0, max: MAX_LIMIT });
  if (!value.has('limit')) value.error('limit', 'Required value');
  const duration = value.oneOf('duration', Object.keys(DURATIONS));
  if (!value.has('duration')) value.error('duration', 'Required value');
  value.done();
  const unit = duration !== undefined ? DURATIONS[duration] : undefined;
  return limit !== undefined && unit !== undefined ? { limit, unit } : undefined;
}
