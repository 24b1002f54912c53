import { descriptorNode, envoyAction, selectorActions } from './build-rate-limits.js';
import { typeUrl as type, type Json } from './envoy-json.js';
import type { RuleModel } from './gateway-model.js';
import { UNIT_SECONDS } from './resources/backend-traffic-policy.js';
import type { RateLimitUnit } from '../contract/rate-limit-config.js';

/**
 * BackendTrafficPolicy `rateLimit.local`: Envoy's local_ratelimit filter, laid out as Envoy
 * Gateway does. The listener's filter is empty; each limited route carries the whole
 * configuration (typed_per_filter_config): the route's token bucket (the rule without client
 * selectors, else unlimited), one descriptor with its own bucket per rule with selectors, and
 * the actions that build a request's descriptors. A request matching a descriptor does not take
 * from the route's bucket (always_consume_default_token_bucket: false). Buckets live in this
 * Envoy process, shared by its workers, and are per Envoy route.
 */

export const LOCAL_RATE_LIMIT_FILTER = 'envoy.filters.http.local_ratelimit';
const STAT_PREFIX = 'http_local_rate_limiter';
/**
 * Distinct values (a header's, a client address) tracked per descriptor, as Envoy Gateway; set
 * on the route's config too, since Envoy does not inherit it from the listener's (EG #9973).
 */
const MAX_DYNAMIC_DESCRIPTORS = 10000;

/** The listener's filter: a placeholder, every limit is in the routes' configuration. */
export function localRateLimitFilter(): Json {
  return {
    name: LOCAL_RATE_LIMIT_FILTER,
    typed_config: { '@type': type('envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit'), stat_prefix: STAT_PREFIX, max_dynamic_descriptors: MAX_DYNAMIC_DESCRIPTORS },
  };
}

/** The LocalRateLimit of one Envoy route of this rule; undefined when its policy has no local rules. */
export function localRateLimitPerRoute(rule: RuleModel): Json | undefined {
  const local = rule.rateLimit?.local;
  if (!local) return undefined;
  const percent = (numerator: number): Json => ({ default_value: { numerator, denominator: 'HUNDRED' } });
  const rules = local.rules.map((limitRule, index) => ({ limitRule, actions: selectorActions(limitRule.selectors, index) }));
  return {
    '@type': type('envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit'),
    stat_prefix: STAT_PREFIX,
    token_bucket: tokenBucket(local.defaultLimit.requests, local.defaultLimit.unit),
    filter_enabled: percent(100),
    // Shadow mode of every rule: count and report, refuse nothing.
    filter_enforced: percent(local.shadowMode ? 0 : 100),
    enable_x_ratelimit_headers: 'DRAFT_VERSION_03',
    descriptors: rules.map(({ limitRule, actions }): Json => ({
      entries: actions.map((action): Json => {
        const { key, value } = descriptorNode(action);
        // No value: each value the action yields has its own bucket (Distinct).
        return value === undefined ? { key } : { key, value };
      }),
      token_bucket: tokenBucket(limitRule.requests, limitRule.unit),
      ...(limitRule.shadowMode ? { shadow_mode: true } : {}),
    })),
    always_consume_default_token_bucket: false,
    local_rate_limit_per_downstream_connection: false,
    max_dynamic_descriptors: MAX_DYNAMIC_DESCRIPTORS,
    rate_limits: rules.map(({ actions }): Json => ({ actions: actions.map(envoyAction) })),
  };
}

/** A bucket refilled in full once per unit (a month is 30 days, a year 365, as Envoy Gateway). */
function tokenBucket(requests: number, unit: RateLimitUnit): Json {
  return { max_tokens: requests, tokens_per_fill: requests, fill_interval: `${UNIT_SECONDS[unit]}s` };
}
