import { METADATA_NAMESPACE, QUOTA_COST_METADATA_KEY, SERVICE_QUOTA_COST_METADATA_KEY } from '../contract/filter-config.js';
import {
  QUOTA_DOMAIN,
  type RateLimitAction,
  type RateLimitCheck,
  type RateLimitConfig,
  type RateLimitDescriptorConfig,
  type RateLimitDomainConfig,
  type RateLimitMetadataKey,
  type RateLimitPolicy,
  type RateLimitTargetChecks,
} from '../contract/rate-limit-config.js';
import type { Json } from './envoy-json.js';
import type { GatewayModel, QuotaModel, RouteModel, RuleModel } from './gateway-model.js';
import type { RateLimitCost, RateLimitSelectors } from './resources/rate-limit-rule.js';

export { QUOTA_DOMAIN, type RateLimitAction };

/**
 * Rate limits: every half from one list of entries, so they agree by construction. An entry is
 * the list of rate-limit actions a request on one route carries (each action yields one
 * descriptor entry, in order) and the limit at the end of that path in the limiter's descriptor
 * tree. The layout is Envoy Gateway's for BackendTrafficPolicy (a generic key naming the route,
 * then `rule-<i>-match-<j>` per client selector) and Envoy AI Gateway's for QuotaPolicy
 * (`backend_name`, `model_name_override`, then the bucket rule's selectors).
 *
 * Each entry counts at two moments, both evaluated by the router-level ext_proc, which holds
 * the limiter (`FilterConfig.rateLimit.checks`): Envoy's rate-limit filter would add a round
 * trip to the limiter to every request (~0.4 ms at concurrency 1 on a 2-core machine, more than
 * the check itself) and a gRPC call per response (a fifth of the throughput at concurrency 64):
 * - when the request is routed: a check, with the request cost or 0 hits;
 * - when the response is done: the response cost, from the costs the exchange computed. For an
 *   `upstream`-mode rule (fallback priorities) the router does not see which attempt answered:
 *   there Envoy's rate-limit filter charges it (RateLimitPerRoute, `apply_on_stream_done`, from
 *   the metadata the attempt left), calling the same limiter over its socket.
 */

/** Envoy Gateway's filter (BackendTrafficPolicy rateLimit.global) and its cluster. */
export const RATE_LIMIT_FILTER = 'envoy.filters.http.ratelimit';
export const RATE_LIMIT_CLUSTER = 'ratelimit_cluster';

/** How many hits one descriptor adds, and when. */
export interface RateLimitCharge {
  /** Absent: 1. */
  hitsAddend?: { number: number } | { metadata: RateLimitMetadataKey };
  /** Charged when the stream ends (the response cost), not checked at request time. */
  applyOnStreamDone?: boolean;
}

export interface RateLimitEntry {
  actions: RateLimitAction[];
  limit: RateLimitPolicy;
  shadowMode: boolean;
  source: string;
  /** One check or Envoy RateLimit per charge, all with these actions. */
  charges: RateLimitCharge[];
}

/** The entries of one Envoy route (a routing target of a rule), per filter. */
export interface TargetRateLimits {
  /** BackendTrafficPolicy rateLimit.global (domain: the listener's name). */
  global: RateLimitEntry[];
  /** QuotaPolicy (domain `ai-gateway-quota`). */
  quota: RateLimitEntry[];
}

/** The descriptor of the route a BackendTrafficPolicy's unshared rules count under (Envoy Gateway names its routes so). */
export function routeDescriptor(route: RouteModel, rule: RuleModel): string {
  return `httproute/${route.name}/rule/${rule.cluster.slice(rule.cluster.lastIndexOf('/') + 1)}`;
}

/** The rate-limit entries of the Envoy route of one target (`ref`: the backendRef in router mode). */
export function targetRateLimits(route: RouteModel, rule: RuleModel, quota: QuotaModel | undefined): TargetRateLimits {
  return { global: globalEntries(route, rule), quota: quota ? quotaEntries(quota) : [] };
}

function globalEntries(route: RouteModel, rule: RuleModel): RateLimitEntry[] {
  const rateLimit = rule.rateLimit;
  if (!rateLimit?.global) return [];
  const policy = `${rateLimit.policy.namespace}/${rateLimit.policy.name}`;
  const descriptor = routeDescriptor(route, rule);
  return rateLimit.global.map((limitRule, ruleIndex): RateLimitEntry => {
    const root: RateLimitAction = limitRule.shared
      ? { kind: 'generic', key: rateLimit.policy.name, value: rateLimit.policy.namespace }
      : { kind: 'generic', key: descriptor, value: descriptor };
    const charges: RateLimitCharge[] = [limitRule.requestCost ? { hitsAddend: hitsAddend(limitRule.requestCost) } : {}];
    if (limitRule.responseCost) charges.push({ hitsAddend: hitsAddend(limitRule.responseCost), applyOnStreamDone: true });
    return {
      actions: [root, ...selectorActions(limitRule.selectors, ruleIndex)],
      limit: { requestsPerUnit: limitRule.requests, unit: limitRule.unit },
      shadowMode: limitRule.shadowMode,
      source: `BackendTrafficPolicy ${policy} rule ${ruleIndex}`,
      charges,
    };
  });
}

function hitsAddend(cost: RateLimitCost): NonNullable<RateLimitCharge['hitsAddend']> {
  return 'number' in cost ? { number: cost.number } : { metadata: { namespace: cost.metadata.namespace, key: cost.metadata.key } };
}

/** Envoy Gateway's layout: one descriptor per header condition, then the source address; none: a key for "every request". */
export function selectorActions(selectors: RateLimitSelectors, ruleIndex: number): RateLimitAction[] {
  const key = (match: number): string => `rule-${ruleIndex}-match-${match}`;
  const actions = selectors.headers.map((header, index): RateLimitAction =>
    header.type === 'Distinct'
      ? { kind: 'requestHeader', header: header.name, key: key(index) }
      : { kind: 'headerMatch', key: key(index), header: header.name, match: header.type === 'Exact' ? { exact: header.value ?? '' } : { regex: header.value ?? '' }, expectMatch: !header.invert },
  );
  const cidr = selectors.sourceCIDR;
  if (cidr) {
    actions.push({ kind: 'maskedRemoteAddress', cidr: cidr.cidr, prefixLength: cidr.prefixLength });
    if (cidr.distinct) actions.push({ kind: 'remoteAddress' });
  }
  if (actions.length === 0) actions.push({ kind: 'generic', key: key(-1), value: key(-1) });
  return actions;
}

/**
 * A QuotaPolicy's entries for one backendRef: its backend and model name the path (static: in
 * router mode each backendRef has its own Envoy route). Each entry is checked when the request
 * arrives (0 hits: over budget already?) and charged its cost when the response is done.
 */
function quotaEntries(quota: QuotaModel): RateLimitEntry[] {
  const entries: RateLimitEntry[] = [];
  const backend: RateLimitAction = { kind: 'generic', key: 'backend_name', value: quota.aiServiceBackend };
  const charges = (costKey: string): RateLimitCharge[] => [
    { hitsAddend: { number: 0 } },
    { hitsAddend: { metadata: { namespace: METADATA_NAMESPACE, key: costKey } }, applyOnStreamDone: true },
  ];
  if (quota.model) {
    const { name, quota: modelQuota, policy } = quota.model;
    const base: RateLimitAction[] = [backend, { kind: 'generic', key: 'model_name_override', value: name }];
    const source = `QuotaPolicy ${policy} model ${name}`;
    modelQuota.bucketRules.forEach((rule, ruleIndex) => {
      entries.push({
        actions: [...base, ...selectorActions(rule.selectors, ruleIndex)],
        limit: { requestsPerUnit: rule.quota.limit, unit: rule.quota.unit },
        shadowMode: rule.shadowMode,
        source: `${source} bucket rule ${ruleIndex}`,
        charges: charges(QUOTA_COST_METADATA_KEY),
      });
    });
    const fallback = modelQuota.defaultBucket;
    if (fallback) {
      const defaultKey = `rule-${modelQuota.bucketRules.length}-match--1`;
      entries.push({
        // Without bucket rules the model's own node holds the budget, as upstream.
        actions: modelQuota.bucketRules.length === 0 ? base : [...base, { kind: 'generic', key: defaultKey, value: defaultKey }],
        limit: { requestsPerUnit: fallback.limit, unit: fallback.unit },
        shadowMode: false,
        source: `${source} default bucket`,
        charges: charges(QUOTA_COST_METADATA_KEY),
      });
    }
  }
  if (quota.service) {
    entries.push({
      actions: [backend, { kind: 'generic', key: 'service_quota', value: 'service_quota' }],
      limit: { requestsPerUnit: quota.service.quota.quota.limit, unit: quota.service.quota.quota.unit },
      shadowMode: false,
      source: `QuotaPolicy ${quota.service.policy} service quota`,
      charges: charges(SERVICE_QUOTA_COST_METADATA_KEY),
    });
  }
  return entries;
}

/** The Envoy `rate_limits` of a RateLimitPerRoute of an `upstream`-mode rule: one RateLimit per entry and charge made when the stream is done. */
export function envoyRateLimits(entries: readonly RateLimitEntry[]): Json[] {
  return entries.flatMap((entry) =>
    entry.charges
      .filter((charge) => charge.applyOnStreamDone)
      .map((charge): Json => {
        const limit: { [key: string]: Json } = { actions: entry.actions.map(envoyAction), apply_on_stream_done: true };
        if (charge.hitsAddend) {
          const hits = charge.hitsAddend;
          limit.hits_addend = 'number' in hits ? { number: hits.number } : { format: `%DYNAMIC_METADATA(${hits.metadata.namespace}:${hits.metadata.key})%` };
        }
        return limit;
      }),
  );
}

/** The router's checks (when the request is routed) or charges (when its response is done): one per entry and charge made then. */
export function routerChecks(entries: readonly RateLimitEntry[], streamDone: boolean): RateLimitCheck[] {
  return entries.flatMap((entry) =>
    entry.charges.filter((charge) => (charge.applyOnStreamDone ?? false) === streamDone).map((charge): RateLimitCheck => ({ actions: entry.actions, ...(charge.hitsAddend ? { hits: charge.hitsAddend } : {}) })),
  );
}

/** Whether Envoy's rate-limit filter charges this rule's response costs: only for `upstream`-mode rules, whose answering attempt the router does not see. */
export function envoyCharges(rule: RuleModel): boolean {
  return rule.mode === 'upstream';
}

export function envoyAction(action: RateLimitAction): Json {
  switch (action.kind) {
    case 'generic':
      return { generic_key: { descriptor_key: action.key, descriptor_value: action.value } };
    case 'requestHeader':
      return { request_headers: { header_name: action.header, descriptor_key: action.key } };
    case 'headerMatch':
      return {
        header_value_match: {
          descriptor_key: action.key,
          descriptor_value: action.key,
          expect_match: action.expectMatch,
          headers: [{ name: action.header, string_match: 'exact' in action.match ? { exact: action.match.exact } : { safe_regex: { regex: action.match.regex } } }],
        },
      };
    case 'maskedRemoteAddress':
      return { masked_remote_address: { v4_prefix_mask_len: action.prefixLength } };
    case 'remoteAddress':
      return { remote_address: {} };
  }
}

/** The (key, value) of the tree node an action's descriptor entry matches: a value-less node counts each value apart. */
export function descriptorNode(action: RateLimitAction): { key: string; value?: string } {
  switch (action.kind) {
    case 'generic':
      return { key: action.key, value: action.value };
    case 'requestHeader':
      return { key: action.key };
    case 'headerMatch':
      return { key: action.key, value: action.key };
    case 'maskedRemoteAddress':
      return { key: 'masked_remote_address', value: action.cidr };
    case 'remoteAddress':
      return { key: 'remote_address' };
  }
}

/**
 * Every domain's descriptor tree: per listener, the BackendTrafficPolicy limits of its routes
 * (domain: the listener's name, as Envoy Gateway); once, the QuotaPolicy limits. With them, the
 * request-time checks of each rule and backendRef. Undefined when nothing is limited, so a
 * configuration without rate limits is unchanged.
 */
export function buildRateLimitConfig(model: GatewayModel, failureModeDeny = false): RateLimitConfig | undefined {
  const domains: RateLimitDomainConfig[] = [];
  const quota: RateLimitDescriptorConfig[] = [];
  const ruleChecks = new Map<string, RateLimitTargetChecks>();
  const backendChecks = new Map<string, RateLimitTargetChecks>();
  const target = (name: string, entries: readonly RateLimitEntry[], rule: RuleModel): RateLimitTargetChecks => ({
    name,
    checks: routerChecks(entries, false),
    charges: envoyCharges(rule) ? [] : routerChecks(entries, true),
  });
  for (const listener of model.listeners) {
    const tree: RateLimitDescriptorConfig[] = [];
    for (const route of model.routes.filter((candidate) => candidate.listeners.includes(listener.name))) {
      for (const rule of route.rules) {
        const refs = rule.mode === 'router' ? rule.refs : [{ quota: undefined, backend: undefined }];
        for (const { quota: budget, backend } of refs) {
          const limits = targetRateLimits(route, rule, budget);
          for (const entry of limits.global) insert(tree, entry);
          for (const entry of limits.quota) insert(quota, entry);
          if (limits.global.length > 0) ruleChecks.set(rule.cluster, target(rule.cluster, limits.global, rule));
          if (backend && limits.quota.length > 0) backendChecks.set(backend.name, target(backend.name, limits.quota, rule));
        }
      }
    }
    if (tree.length > 0) domains.push({ domain: listener.name, descriptors: tree });
  }
  if (quota.length > 0) domains.push({ domain: QUOTA_DOMAIN, descriptors: quota });
  if (domains.length === 0) return undefined;
  return { domains, checks: { rules: [...ruleChecks.values()], backends: [...backendChecks.values()] }, failureModeDeny };
}

/** Adds an entry's path to a tree, its limit on the last node (the same path twice is one limit: a shared rule). */
function insert(tree: RateLimitDescriptorConfig[], entry: RateLimitEntry): void {
  let level = tree;
  let node: RateLimitDescriptorConfig | undefined;
  for (const action of entry.actions) {
    const { key, value } = descriptorNode(action);
    node = level.find((candidate) => candidate.key === key && candidate.value === value);
    if (!node) {
      node = { key, ...(value !== undefined ? { value } : {}) };
      level.push(node);
    }
    level = node.descriptors ??= [];
  }
  if (!node) return;
  if (node.descriptors?.length === 0) delete node.descriptors;
  if (node.rateLimit) return;
  node.rateLimit = { ...entry.limit };
  if (entry.shadowMode) node.shadowMode = true;
  node.source = entry.source;
}
