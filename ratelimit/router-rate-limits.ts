import { QUOTA_DOMAIN, type RateLimitConfig, type RateLimitTargetChecks, type RateLimitUnit } from '../contract/rate-limit-config.js';
import { checkHeaders, compileCheck, requestDescriptor, type CompiledCheck, type RequestFacts } from './request-descriptors.js';
import type { DescriptorDecision, RateLimiter } from './rate-limiter.js';
import { RateLimitStoreUnavailable } from './rate-limiter.js';
import type { RequestDescriptor } from './rate-limit-request.js';

/** Which of Envoy's two rate-limit filters a check stands for: Envoy Gateway's (BackendTrafficPolicy) or Envoy AI Gateway's (QuotaPolicy). */
export type RateLimitFilter = 'global' | 'quota';

/** What the router does with a request after its rate-limit checks. */
export interface RateLimitVerdict {
  /** `x-ratelimit-*` headers for the response (in the order Envoy's filters add them); empty when nothing was checked. */
  headers: [string, string][];
  /**
   * Set when the request does not go on: 429 over a limit (`retryAfter`: seconds until the
   * window resets), 503 when the counter store failed and failure mode deny is on.
   */
  refused?: { status: 429; filter: RateLimitFilter; retryAfter?: string } | { status: 503 };
}

const NOTHING_CHECKED: RateLimitVerdict = { headers: [] };

interface CompiledTarget {
  checks: readonly CompiledCheck[];
  charges: readonly CompiledCheck[];
}

/**
 * The request-time half of rate limiting, run by the router-level ext_proc once it has routed a
 * request (it knows the rule and backend, the model and the client's headers): the checks Envoy
 * Gateway's and Envoy AI Gateway's rate-limit filters would make, evaluated in process against
 * the same limiter the rate-limit service uses, with the same descriptors, counters and answers
 * (429, `x-ratelimit-*` headers as Envoy's DRAFT_VERSION_03) — without a round trip per request.
 */
export class RouterRateLimits {
  /** Request headers the checks read (the router keeps their raw values). */
  readonly headerNames: ReadonlySet<string>;
  private readonly rules: ReadonlyMap<string, CompiledTarget>;
  private readonly backends: ReadonlyMap<string, CompiledTarget>;
  private readonly failureModeDeny: boolean;

  constructor(
    config: RateLimitConfig,
    private readonly limiter: RateLimiter,
  ) {
    const compile = (targets: readonly RateLimitTargetChecks[], where: string): Map<string, CompiledTarget> =>
      new Map(
        targets.map((target, i) => [
          target.name,
          {
            checks: target.checks.map((check, j) => compileCheck(check, `${where}[${i}].checks[${j}]`)),
            charges: target.charges.map((check, j) => compileCheck(check, `${where}[${i}].charges[${j}]`)),
          },
        ]),
      );
    this.rules = compile(config.checks.rules, 'rateLimit.checks.rules');
    this.backends = compile(config.checks.backends, 'rateLimit.checks.backends');
    const all = [...config.checks.rules, ...config.checks.backends].flatMap((target) => [...target.checks, ...target.charges]);
    this.headerNames = new Set(all.flatMap(checkHeaders));
    this.failureModeDeny = config.failureModeDeny;
  }

  /** Whether a request routed to this rule (and backendRef, in router mode) is checked at all. */
  applies(rule: string, backend: string | undefined): boolean {
    return this.rules.has(rule) || (backend !== undefined && this.backends.has(backend));
  }

  /**
   * Checks (and charges the request cost of) the rule's BackendTrafficPolicy limits under the
   * listener's domain, then, unless those refuse, the backendRef's QuotaPolicy budget.
   */
  async check(listener: string | undefined, rule: string, backend: string | undefined, facts: RequestFacts): Promise<RateLimitVerdict> {
    const ruleChecks = listener === undefined ? undefined : this.rules.get(rule)?.checks;
    const global = ruleChecks && listener !== undefined ? await this.ask(listener, ruleChecks, facts) : undefined;
    if (global === 'unavailable') return { headers: [], refused: { status: 503 } };
    if (global?.over) return { headers: [...global.headers, ['x-envoy-ratelimited', 'true']], refused: { status: 429, filter: 'global', ...retryAfter(global.headers) } };
    const budgetChecks = backend === undefined ? undefined : this.backends.get(backend)?.checks;
    const quota = budgetChecks ? await this.ask(QUOTA_DOMAIN, budgetChecks, facts) : undefined;
    if (quota === 'unavailable') return { headers: global?.headers ?? [], refused: { status: 503 } };
    if (!global && !quota) return NOTHING_CHECKED;
    // Envoy's filters add their headers on the way out, the later filter (the quota's) first.
    const headers = [...(quota?.headers ?? []), ...(global?.headers ?? [])];
    return quota?.over ? { headers, refused: { status: 429, filter: 'quota', ...retryAfter(quota.headers) } } : { headers };
  }

  /**
   * Whether the response of a request routed to this rule and backend is charged by the router
   * (what `charge` does; an `upstream`-mode rule's are charged by Envoy).
   */
  charges(rule: string, backend: string | undefined): boolean {
    return (this.rules.get(rule)?.charges.length ?? 0) > 0 || (backend !== undefined && (this.backends.get(backend)?.charges.length ?? 0) > 0);
  }

  /**
   * Charges the response costs (`facts.metadata`: the costs the exchange computed) when a
   * response is done: the decisions are counted, nothing is refused (the response is out).
   * A failing store was logged and counted by the limiter; the charge is lost, as Envoy's would be.
   */
  async charge(listener: string | undefined, rule: string, backend: string | undefined, facts: RequestFacts): Promise<void> {
    const ruleCharges = listener === undefined ? undefined : this.rules.get(rule)?.charges;
    const budgetCharges = backend === undefined ? undefined : this.backends.get(backend)?.charges;
    const calls: Promise<unknown>[] = [];
    if (ruleCharges && listener !== undefined && ruleCharges.length > 0) calls.push(this.ask(listener, ruleCharges, facts));
    if (budgetCharges && budgetCharges.length > 0) calls.push(this.ask(QUOTA_DOMAIN, budgetCharges, facts));
    await Promise.all(calls);
  }

  /** One filter's call: undefined when every descriptor was skipped (Envoy makes no call then). */
  private async ask(domain: string, checks: readonly CompiledCheck[], facts: RequestFacts): Promise<{ over: boolean; headers: [string, string][] } | 'unavailable' | undefined> {
    const descriptors: RequestDescriptor[] = [];
    for (const check of checks) {
      const descriptor = requestDescriptor(check, facts);
      if (descriptor) descriptors.push(descriptor);
    }
    if (descriptors.length === 0) return undefined;
    try {
      const decision = await this.limiter.shouldRateLimit({ domain, descriptors, hitsAddend: 0 });
      return { over: decision.overallCode === 'OVER_LIMIT', headers: rateLimitHeaders(decision.statuses) };
    } catch (error) {
      // The limiter logged it and counted it; the request passes unchecked unless failure mode deny.
      if (error instanceof RateLimitStoreUnavailable) return this.failureModeDeny ? 'unavailable' : undefined;
      throw error;
    }
  }
}

function retryAfter(headers: readonly [string, string][]): { retryAfter?: string } {
  const reset = headers.find(([name]) => name === 'x-ratelimit-reset')?.[1];
  return reset !== undefined ? { retryAfter: reset } : {};
}

/** Envoy's window per unit (seconds) in `x-ratelimit-limit`'s quota policies. */
const WINDOW_SECONDS: Readonly<Record<RateLimitUnit, number>> = { second: 1, minute: 60, hour: 3600, day: 86_400, month: 86_400 * 30, year: 86_400 * 365 };

/**
 * Envoy's `x-ratelimit-*` headers (DRAFT_VERSION_03) from one call's statuses: the status with
 * the least remaining names the limit, remaining and reset; the limit header lists every
 * limit's quota policy after it (`10, 10;w=3600, 100;w=60`).
 */
export function rateLimitHeaders(statuses: readonly DescriptorDecision[]): [string, string][] {
  let tightest: DescriptorDecision | undefined;
  let policies = '';
  for (const status of statuses) {
    if (!status.limit) continue;
    if (!tightest || status.remaining < tightest.remaining) tightest = status;
    policies += `, ${status.limit.requestsPerUnit};w=${WINDOW_SECONDS[status.limit.unit]}`;
  }
  if (!tightest?.limit) return [];
  return [
    ['x-ratelimit-limit', `${tightest.limit.requestsPerUnit}${policies}`],
    ['x-ratelimit-remaining', String(tightest.remaining)],
    ['x-ratelimit-reset', String(tightest.secondsUntilReset ?? 0)],
  ];
}
