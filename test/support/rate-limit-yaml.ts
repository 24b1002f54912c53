/**
 * Rate-limit test configuration: QuotaPolicy and BackendTrafficPolicy (`rateLimit.global`)
 * documents for `gatewayConfigYaml({ extraDocuments })`, `modelNameOverride`s on its route
 * rules, a chat request that reports status, headers and body, and the rate-limit decisions
 * read back from the ext_proc's `/metrics`.
 */
import { parseAllDocuments, stringify } from 'yaml';

/** The AIGatewayRoute (and so the HTTPRoute) `gatewayConfigYaml` generates. */
export const TEST_ROUTE_NAME = 'aigw-run';

export interface HeaderSelectorYaml {
  name: string;
  type: 'Exact' | 'RegularExpression' | 'Distinct';
  value?: string;
  invert?: boolean;
}

export interface QuotaValueYaml {
  limit: number;
  duration: '1s' | '1m' | '1h' | '1d';
}

export interface BucketRuleYaml {
  headers: HeaderSelectorYaml[];
  quota: QuotaValueYaml;
  shadowMode?: boolean;
}

export interface PerModelQuotaYaml {
  /** The `modelNameOverride` of the backendRef it limits. */
  modelName: string;
  costExpression?: string;
  defaultBucket?: QuotaValueYaml;
  bucketRules?: BucketRuleYaml[];
}

export interface QuotaPolicyYaml {
  name: string;
  /** AIServiceBackends it targets. */
  backends: string[];
  perModelQuotas: PerModelQuotaYaml[];
  serviceQuota?: { quota: QuotaValueYaml; costExpression?: string };
}

/** A QuotaPolicy (aigateway.envoyproxy.io/v1alpha1) in namespace `default`. */
export function quotaPolicyDocument(policy: QuotaPolicyYaml): Record<string, unknown> {
  return {
    apiVersion: 'aigateway.envoyproxy.io/v1alpha1',
    kind: 'QuotaPolicy',
    metadata: { name: policy.name, namespace: 'default' },
    spec: {
      targetRefs: policy.backends.map((name) => ({ group: 'aigateway.envoyproxy.io', kind: 'AIServiceBackend', name })),
      perModelQuotas: policy.perModelQuotas.map((entry) => ({
        modelName: entry.modelName,
        quota: {
          ...(entry.costExpression !== undefined ? { costExpression: entry.costExpression } : {}),
          ...(entry.defaultBucket ? { defaultBucket: entry.defaultBucket } : {}),
          ...(entry.bucketRules
            ? {
                bucketRules: entry.bucketRules.map((rule) => ({
                  clientSelectors: [{ headers: rule.headers }],
                  quota: rule.quota,
                  ...(rule.shadowMode !== undefined ? { shadowMode: rule.shadowMode } : {}),
                })),
              }
            : {}),
        },
      })),
      ...(policy.serviceQuota
        ? { serviceQuota: { quota: policy.serviceQuota.quota, ...(policy.serviceQuota.costExpression !== undefined ? { costExpression: policy.serviceQuota.costExpression } : {}) } }
        : {}),
    },
  };
}

export type RateLimitCostYaml = { from: 'Number'; number: number } | { from: 'Metadata'; metadata: { namespace: string; key: string } };

export interface GlobalRuleYaml {
  /** None (and no sourceCIDR): every request of the route. */
  headers?: HeaderSelectorYaml[];
  /** The client address selector (Exact: the range shares one counter; Distinct: each address its own). */
  sourceCIDR?: { type: 'Exact' | 'Distinct'; value: string };
  requests: number;
  unit: 'Second' | 'Minute' | 'Hour' | 'Day' | 'Month' | 'Year';
  cost?: { request?: RateLimitCostYaml; response?: RateLimitCostYaml };
  shadowMode?: boolean;
  shared?: boolean;
}

/** A response cost of `metadataKey` from the AI Gateway's dynamic metadata, checked at 0 on the request. */
export function tokenCost(metadataKey: string): NonNullable<GlobalRuleYaml['cost']> {
  return { request: { from: 'Number', number: 0 }, response: { from: 'Metadata', metadata: { namespace: 'io.envoy.ai_gateway', key: metadataKey } } };
}

/** What a BackendTrafficPolicy attaches to: an HTTPRoute (an AIGatewayRoute's) or a whole Gateway. */
export interface PolicyTarget {
  kind: 'HTTPRoute' | 'Gateway';
  name: string;
}

/** The Gateway `gatewayConfigYaml` generates (named like its route). */
export const TEST_GATEWAY: PolicyTarget = { kind: 'Gateway', name: 'aigw-run' };

/** A BackendTrafficPolicy with `rateLimit.global`, on the test route unless `target` says otherwise. */
export function globalRateLimitDocument(name: string, rules: GlobalRuleYaml[], target: PolicyTarget = { kind: 'HTTPRoute', name: TEST_ROUTE_NAME }): Record<string, unknown> {
  return {
    apiVersion: 'gateway.envoyproxy.io/v1alpha1',
    kind: 'BackendTrafficPolicy',
    metadata: { name, namespace: 'default' },
    spec: {
      targetRefs: [{ group: 'gateway.networking.k8s.io', kind: target.kind, name: target.name }],
      rateLimit: {
        type: 'Global',
        global: {
          rules: rules.map((rule) => ({
            ...(rule.headers || rule.sourceCIDR ? { clientSelectors: [{ ...(rule.headers ? { headers: rule.headers } : {}), ...(rule.sourceCIDR ? { sourceCIDR: rule.sourceCIDR } : {}) }] } : {}),
            limit: { requests: rule.requests, unit: rule.unit },
            ...(rule.cost ? { cost: rule.cost } : {}),
            ...(rule.shadowMode !== undefined ? { shadowMode: rule.shadowMode } : {}),
            ...(rule.shared !== undefined ? { shared: rule.shared } : {}),
          })),
        },
      },
    },
  };
}

/**
 * Sets `modelNameOverride` on the backendRefs of the route rules matching each model (the rules
 * `gatewayConfigYaml` makes, one per model). Throws when a model has no rule, so a renamed model
 * cannot leave a quota silently unapplied.
 */
export function withModelNameOverrides(yaml: string, overrides: Readonly<Record<string, string>>): string {
  const documents = parseAllDocuments(yaml).map((document) => document.toJS() as Record<string, unknown>);
  const pending = new Set(Object.keys(overrides));
  for (const document of documents) {
    if (document.kind !== 'AIGatewayRoute') continue;
    const spec = document.spec as { rules: { matches: { headers: { value: string }[] }[]; backendRefs: Record<string, unknown>[] }[] };
    for (const rule of spec.rules) {
      const model = rule.matches[0]?.headers[0]?.value;
      const override = model !== undefined ? overrides[model] : undefined;
      if (model === undefined || override === undefined) continue;
      for (const ref of rule.backendRefs) ref.modelNameOverride = override;
      pending.delete(model);
    }
  }
  if (pending.size > 0) throw new Error(`withModelNameOverrides: no route rule for ${[...pending].join(', ')}`);
  return documents.map((document) => stringify(document)).join('---\n');
}

export interface ChatResult {
  status: number;
  headers: Headers;
  body: string;
  /** The parsed body when it is JSON, else undefined. */
  json: unknown;
}

/** One non-streaming chat completion through the gateway with `fetch`, whatever the answer. */
export async function postChat(port: number, model: string, headers: Record<string, string> = {}, timeoutMs = 15_000): Promise<ChatResult> {
  const response = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, body, json };
}

export interface RateLimitDecisionSample {
  domain: string;
  source: string;
  decision: string;
  value: number;
}

/** The `aigw_ratelimit_decisions_total` samples of a Prometheus text exposition. */
export function rateLimitDecisions(metrics: string): RateLimitDecisionSample[] {
  const samples: RateLimitDecisionSample[] = [];
  for (const line of metrics.split('\n')) {
    const match = /^aigw_ratelimit_decisions_total\{(.*)\} (\S+)$/.exec(line);
    if (!match) continue;
    const labels = new Map<string, string>();
    for (const [, name, value] of (match[1] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels.set(name ?? '', value ?? '');
    samples.push({ domain: labels.get('domain') ?? '', source: labels.get('source') ?? '', decision: labels.get('decision') ?? '', value: Number(match[2]) });
  }
  return samples;
}

/** How many decisions of one kind a source has had (0 when never). */
export function decisionCount(samples: readonly RateLimitDecisionSample[], source: string, decision: string): number {
  return samples.filter((sample) => sample.source === source && sample.decision === decision).reduce((sum, sample) => sum + sample.value, 0);
}

/** The ext_proc's Prometheus metrics, from the admin port. */
export async function fetchMetrics(adminPort: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${adminPort}/metrics`, { signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`/metrics answered ${response.status}`);
  return response.text();
}
