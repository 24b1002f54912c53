import type { RateLimitUnit } from '../contract/rate-limit-config.js';

/**
 * Window lengths in seconds, as envoyproxy/ratelimit's `UnitToDivider`: `month` is 30 days and
 * `year` 365 days, whatever the calendar says.
 */
export const UNIT_SECONDS: Readonly<Record<RateLimitUnit, number>> = {
  second: 1,
  minute: 60,
  hour: 3600,
  day: 86_400,
  month: 30 * 86_400,
  year: 365 * 86_400,
};

/** A fixed window aligned to the Unix epoch (envoyproxy/ratelimit's `(now / divider) * divider`). */
export interface FixedWindow {
  /** Unix seconds the window started at (part of the counter key). */
  startSeconds: number;
  /** Window length, the TTL of its counter. */
  lengthSeconds: number;
  /** When the window (and so its counter) ends, in Unix milliseconds. */
  endMs: number;
  /** Whole seconds until the window ends, at least 1 (`duration_until_reset`). */
  secondsUntilReset: number;
}

/** The window of `unit` that `nowMs` falls in. */
export function fixedWindow(unit: RateLimitUnit, nowMs: number): FixedWindow {
  const lengthSeconds = UNIT_SECONDS[unit];
  const nowSeconds = Math.floor(nowMs / 1000);
  const startSeconds = nowSeconds - (nowSeconds % lengthSeconds);
  const endSeconds = startSeconds + lengthSeconds;
  return { startSeconds, lengthSeconds, endMs: endSeconds * 1000, secondsUntilReset: endSeconds - nowSeconds };
}
