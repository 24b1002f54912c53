import type { RateLimitConfig, RateLimitPolicy } from '../contract/rate-limit-config.js';
import type { Logger } from '../common/logger.js';
import { DescriptorTree, type DescriptorEntry, type MatchedLimit } from './descriptor-tree.js';
import { fixedWindow } from './fixed-window.js';
import type { RateLimitMetrics } from './rate-limit-metrics.js';
import type { RateLimitRequest } from './rate-limit-request.js';
import type { CounterIncrement, RateLimitStore } from './rate-limit-store.js';

export type RateLimitCode = 'OK' | 'OVER_LIMIT';

/** One descriptor's answer (`DescriptorStatus`). */
export interface DescriptorDecision {
  code: RateLimitCode;
  /** The limit that applied; absent when the descriptor matched none. */
  limit?: RateLimitPolicy;
  /** What is left in the window after this request (0 when over). */
  remaining: number;
  /** Whole seconds until the window ends; absent with `limit`. */
  secondsUntilReset?: number;
}

export interface RateLimitDecision {
  overallCode: RateLimitCode;
  /** One per request descriptor, in order. */
  statuses: DescriptorDecision[];
}

/** The store failed: the service answers UNAVAILABLE and Envoy applies its failure mode. */
export class RateLimitStoreUnavailable extends Error {
  override readonly name = 'RateLimitStoreUnavailable';
}

export interface RateLimiterOptions {
  /** The descriptor trees (the rest of the config is the router's). */
  config: Pick<RateLimitConfig, 'domains'>;
  store: RateLimitStore;
  metrics?: RateLimitMetrics;
  logger?: Logger;
  now?: () => number;
  /** At most one store warning per this many milliseconds (default 10 s). */
  warnEveryMs?: number;
}

/**
 * envoyproxy/ratelimit's `ShouldRateLimit` over aigw's contract: each request descriptor finds
 * its limit in the domain's tree (DescriptorTree), each limit counts in a fixed window aligned to
 * the epoch, all of a request's counters are charged in one store call, and the request is over
 * the limit when any descriptor not in shadow mode is.
 */
export class RateLimiter {
  private trees: ReadonlyMap<string, DescriptorTree>;
  private readonly store: RateLimitStore;
  private readonly metrics: RateLimitMetrics | undefined;
  private readonly logger: Logger | undefined;
  private readonly now: () => number;
  private readonly warnEveryMs: number;
  private lastWarningMs = Number.NEGATIVE_INFINITY;

  constructor(options: RateLimiterOptions) {
    this.trees = descriptorTrees(options.config);
    this.store = options.store;
    this.metrics = options.metrics;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
    this.warnEveryMs = options.warnEveryMs ?? 10_000;
  }

  /**
   * The descriptor trees of a reloaded configuration. Counters are keyed by domain and
   * descriptor, not by tree, so a limit whose descriptors stay the same keeps its count in the
   * current window (a reload does not hand clients a fresh budget); a request already being
   * checked finishes against the trees it started with.
   */
  configure(config: Pick<RateLimitConfig, 'domains'>): void {
    this.trees = descriptorTrees(config);
  }

  async shouldRateLimit(request: RateLimitRequest): Promise<RateLimitDecision> {
    const now = this.now();
    const tree = this.trees.get(request.domain);
    const statuses: DescriptorDecision[] = request.descriptors.map(() => ({ code: 'OK', remaining: 0 }));
    const charged: { index: number; limit: MatchedLimit; secondsUntilReset: number }[] = [];
    const counters: CounterIncrement[] = [];
    request.descriptors.forEach((descriptor, index) => {
      const limit = tree?.match(descriptor.entries);
      if (!limit) return;
      const window = fixedWindow(limit.policy.unit, now);
      // The descriptor's own hits win, 0 included; else the request's when set; else 1.
      const hits = descriptor.hitsAddend ?? (request.hitsAddend > 0 ? request.hitsAddend : 1);
      counters.push({ key: counterKey(request.domain, descriptor.entries, window.startSeconds), hits, windowSeconds: window.lengthSeconds, windowEndMs: window.endMs });
      charged.push({ index, limit, secondsUntilReset: window.secondsUntilReset });
    });
    if (counters.length === 0) return { overallCode: 'OK', statuses };

    let values: number[];
    try {
      values = await this.store.increment(counters);
    } catch (error) {
      this.metrics?.storeError(this.store.name);
      const now = this.now();
      if (now - this.lastWarningMs >= this.warnEveryMs) {
        this.lastWarningMs = now;
        this.logger?.warn(`rate limiting unavailable: the ${this.store.name} store failed (${error instanceof Error ? error.message : String(error)}); Envoy applies its failure mode (allow unless failure_mode_deny)`);
      }
      throw new RateLimitStoreUnavailable(`the ${this.store.name} store failed`, { cause: error });
    }

    let overallCode: RateLimitCode = 'OK';
    charged.forEach(({ index, limit, secondsUntilReset }, i) => {
      const value = values[i] ?? Number.POSITIVE_INFINITY;
      const allowed = limit.policy.requestsPerUnit;
      const over = value > allowed;
      const enforced = over && !limit.shadowMode;
      if (enforced) overallCode = 'OVER_LIMIT';
      statuses[index] = { code: enforced ? 'OVER_LIMIT' : 'OK', limit: limit.policy, remaining: over ? 0 : allowed - value, secondsUntilReset };
      this.metrics?.decision(request.domain, limit.source, !over ? 'ok' : limit.shadowMode ? 'shadow_over_limit' : 'over_limit');
    });
    return { overallCode, statuses };
  }
}

function descriptorTrees(config: Pick<RateLimitConfig, 'domains'>): Map<string, DescriptorTree> {
  return new Map(config.domains.map((domain) => [domain.domain, new DescriptorTree(domain)]));
}

/**
 * envoyproxy/ratelimit's cache key: `<domain>_<key>_<value>_…<window start>`, with the request's
 * entries (the matched path). Unlike there, `_` and `\` inside values (what a client can choose)
 * are escaped, so a value cannot pose as more entries (`a` = `x_b_y` and `a` = `x`, `b` = `y`
 * stay apart); keys come from Envoy's configuration and are kept as they are. Values without
 * them give exactly envoyproxy/ratelimit's key, so a Redis shared with it shares the budget.
 * Bytes of a value that were not UTF-8 (lone surrogates U+DC80–U+DCFF, see
 * `decodeDescriptorValue`) are written `\xHH`: no escaped value has a `\` before an `x`, and
 * the key stays valid UTF-8 for Redis (envoyproxy/ratelimit refuses such values outright).
 */
export function counterKey(domain: string, entries: readonly DescriptorEntry[], windowStartSeconds: number): string {
  let key = `${domain}_`;
  for (const entry of entries) key += `${entry.key}_${escapeValue(entry.value)}_`;
  return key + String(windowStartSeconds);
}

function escapeValue(text: string): string {
  return /[\\_\uDC80-\uDCFF]/u.test(text) ? text.replace(/[\\_\uDC80-\uDCFF]/gu, (char) => (char === '\\' || char === '_' ? `\\${char}` : `\\x${(char.charCodeAt(0) - 0xdc00).toString(16).padStart(2, '0')}`)) : text;
}
