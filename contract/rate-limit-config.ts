/**
 * The rate-limit part of the contract: what the rate-limit service (`ratelimit/`, served by the
 * ext_proc process on its own socket) enforces, in envoyproxy/ratelimit's configuration model.
 *
 * The compiler generates two halves that must agree: Envoy's per-route `rate_limits` actions
 * (which descriptors a request carries) and, here, the descriptor trees with their limits. The
 * service knows nothing about BackendTrafficPolicy or QuotaPolicy: it walks these trees the way
 * envoyproxy/ratelimit walks its YAML, so the same descriptors behave the same in a cluster.
 */

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

/** `FilterConfig.rateLimit`: absent when no policy limits anything. */
export interface RateLimitConfig {
  domains: RateLimitDomainConfig[];
}
