/**
 * The rate-limit part of the contract: what the rate limiter (`ratelimit/`, in the ext_proc
 * process) enforces, in envoyproxy/ratelimit's configuration model.
 *
 * The compiler generates two halves that must agree: the rate-limit actions of each routing
 * target (which descriptors a request carries: Envoy Gateway's and Envoy AI Gateway's layout)
 * and the descriptor trees with their limits. The limiter knows nothing about
 * BackendTrafficPolicy or QuotaPolicy: it walks these trees the way envoyproxy/ratelimit walks
 * its YAML, so the same descriptors behave the same in a cluster.
 *
 * Who evaluates the actions depends on when they count (see `RateLimitConfig.checks`): the
 * request-time checks run in the ext_proc's own body round trip, the charges made when a stream
 * is done run in Envoy's rate-limit filter, which calls the same limiter over a private socket.
 */

/** Envoy AI Gateway's domain for QuotaPolicy limits (BackendTrafficPolicy limits count under the listener's name). */
export const QUOTA_DOMAIN = 'ai-gateway-quota';

/** envoyproxy/ratelimit's units (fixed windows aligned to the epoch, `month` = 30 days, `year` = 365 days as there). */
export const RATE_LIMIT_UNITS = ['second', 'minute', 'hour', 'day', 'month', 'year'] as const;
export type RateLimitUnit = (typeof RATE_LIMIT_UNITS)[number];

export interface RateLimitPolicy {
  /** Hits allowed per window: requests, or tokens when Envoy sends a cost as `hits_addend`. */
  requestsPerUnit: number;
  unit: RateLimitUnit;
}

/**
 * One level of a descriptor tree. A request descriptor (a list of key/value entries) matches a
 * path from the root: at each level the child with the same key and value, else the child with
 * the same key and no `value` (then each distinct value has its own counter). The limit is the
 * one on the node where the request's entries end; a path that ends on a node without a limit,
 * or leaves the tree, is not limited.
 */
export interface RateLimitDescriptorConfig {
  key: string;
  /** Absent: any value. */
  value?: string;
  rateLimit?: RateLimitPolicy;
  /** Counted and reported, never enforced. */
  shadowMode?: boolean;
  /**
   * What configured this limit, for metric labels and logs (bounded: a policy and rule, never a
   * request value), e.g. `BackendTrafficPolicy default/ratelimit rule 0`.
   */
  source?: string;
  descriptors?: RateLimitDescriptorConfig[];
}

export interface RateLimitDomainConfig {
  /** The `domain` of the Envoy rate-limit filter that sends these descriptors. */
  domain: string;
  descriptors: RateLimitDescriptorConfig[];
}

/**
 * One Envoy rate-limit action (`RateLimit.Action`: the kinds Envoy Gateway and Envoy AI Gateway
 * generate); each yields one descriptor entry, or none, and then the whole descriptor is skipped.
 */
export type RateLimitAction =
  /** (`key`, `value`). */
  | { kind: 'generic'; key: string; value: string }
  /** (`key`, the header's first value); no header: no descriptor. */
  | { kind: 'requestHeader'; header: string; key: string }
  /** (`key`, `key`) when the header (all values joined by `,`) matches, or does not when `expectMatch` is false. */
  | { kind: 'headerMatch'; key: string; header: string; match: { exact: string } | { regex: string }; expectMatch: boolean }
  /** (`masked_remote_address`, the client address masked to `prefixLength` bits, e.g. `10.0.0.0/8`; IPv6: /128). */
  | { kind: 'maskedRemoteAddress'; cidr: string; prefixLength: number }
  /** (`remote_address`, the client address). */
  | { kind: 'remoteAddress' };

/** Whether an action reads the client's address (the router then needs Envoy's `source.address`). */
export function readsClientAddress(action: RateLimitAction): boolean {
  return action.kind === 'remoteAddress' || action.kind === 'maskedRemoteAddress';
}

/** The request metadata key (`io.envoy.ai_gateway`) the router sets that a cost may name. */
export interface RateLimitMetadataKey {
  namespace: string;
  key: string;
}

/** One descriptor a request is checked with when it is routed, and the hits it adds. */
export interface RateLimitCheck {
  actions: RateLimitAction[];
  /**
   * Absent: 1. A number (0: check without charging), or a number the router wrote into the
   * request's dynamic metadata; when that is absent or not a number the descriptor is skipped,
   * as Envoy skips one whose `hits_addend` does not resolve.
   */
  hits?: { number: number } | { metadata: RateLimitMetadataKey };
}

/** The checks of one routing target: an AIGatewayRoute rule (RuleConfig name) or backendRef (BackendConfig name). */
export interface RateLimitTargetChecks {
  name: string;
  /** Made when the request is routed. */
  checks: RateLimitCheck[];
  /**
   * Charged when the response is done, with hits from the costs the exchange computed (a cost
   * the response did not yield skips its descriptor): `router`-mode targets only. For an
   * `upstream`-mode rule (fallback priorities) the attempt that answered is not known to the
   * router, so Envoy's rate-limit filter charges them (`apply_on_stream_done`).
   */
  charges: RateLimitCheck[];
}

/**
 * What the router checks before a request goes on, in this order, as Envoy Gateway's filter
 * runs before Envoy AI Gateway's: the rule's BackendTrafficPolicy limits (domain: the listener's
 * name), then the chosen backendRef's QuotaPolicy budget (domain `ai-gateway-quota`). A request
 * over either gets a 429; a request refused by the first is not charged by the second.
 */
export interface RateLimitRequestChecks {
  rules: RateLimitTargetChecks[];
  backends: RateLimitTargetChecks[];
}

/** `FilterConfig.rateLimit`: absent when no policy limits anything. */
export interface RateLimitConfig {
  domains: RateLimitDomainConfig[];
  checks: RateLimitRequestChecks;
  /** When the counter store fails: refuse requests (503) instead of letting them pass unchecked. */
  failureModeDeny: boolean;
}
