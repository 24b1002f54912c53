import type { RateLimitUnit } from '../contract/rate-limit-config.js';
import type { DescriptorDecision, RateLimitCode, RateLimitDecision } from './rate-limiter.js';

/** `RateLimitResponse` as proto-loader serializes it (keepCase, enums by name, durations with string seconds). */
export interface RateLimitResponseMessage {
  overall_code: RateLimitCode;
  statuses: DescriptorStatusMessage[];
}

export interface DescriptorStatusMessage {
  code: RateLimitCode;
  current_limit?: { requests_per_unit: number; unit: UnitName };
  limit_remaining: number;
  duration_until_reset?: { seconds: string; nanos: number };
}

type UnitName = 'SECOND' | 'MINUTE' | 'HOUR' | 'DAY' | 'MONTH' | 'YEAR';

const UNIT_NAMES: Readonly<Record<RateLimitUnit, UnitName>> = { second: 'SECOND', minute: 'MINUTE', hour: 'HOUR', day: 'DAY', month: 'MONTH', year: 'YEAR' };

/**
 * The answer Envoy reads: the overall code decides 429 or not, and with
 * `enable_x_ratelimit_headers: DRAFT_VERSION_03` Envoy builds `x-ratelimit-limit`,
 * `-remaining` and `-reset` from the statuses' limit, remaining and time to reset.
 */
export function rateLimitResponse(decision: RateLimitDecision): RateLimitResponseMessage {
  return { overall_code: decision.overallCode, statuses: decision.statuses.map(descriptorStatus) };
}

function descriptorStatus(status: DescriptorDecision): DescriptorStatusMessage {
  const message: DescriptorStatusMessage = { code: status.code, limit_remaining: status.remaining };
  if (status.limit) message.current_limit = { requests_per_unit: status.limit.requestsPerUnit, unit: UNIT_NAMES[status.limit.unit] };
  if (status.secondsUntilReset !== undefined) message.duration_until_reset = { seconds: String(status.secondsUntilReset), nanos: 0 };
  return message;
}
