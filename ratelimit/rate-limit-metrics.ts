import { Counter, type Registry } from 'prom-client';

export type RateLimitDecisionLabel = 'ok' | 'over_limit' | 'shadow_over_limit';

/**
 * The rate-limit service's metrics, on the ext_proc's registry (served on its `/metrics`).
 * Bounded labels only: `domain` and `source` come from the configuration (a descriptor that
 * matched no configured limit is not counted), `store` is `memory` or `redis`.
 */
export class RateLimitMetrics {
  private readonly decisions: Counter<'domain' | 'source' | 'decision'>;
  private readonly storeErrors: Counter<'store'>;
  private readonly evictions: Counter;

  constructor(registry: Registry) {
    this.decisions = counter(registry, 'aigw_ratelimit_decisions_total', 'Rate-limit decisions per descriptor that matched a configured limit.', ['domain', 'source', 'decision']);
    this.storeErrors = counter(registry, 'aigw_ratelimit_store_errors_total', 'Rate-limit requests answered UNAVAILABLE because the counter store failed.', ['store']);
    this.evictions = counter(registry, 'aigw_ratelimit_memory_evictions_total', 'Live counters the memory store dropped because it held its maximum.', []);
  }

  decision(domain: string, source: string, decision: RateLimitDecisionLabel): void {
    this.decisions.inc({ domain, source, decision });
  }

  storeError(store: string): void {
    this.storeErrors.inc({ store });
  }

  evicted(count: number): void {
    this.evictions.inc(count);
  }
}

function counter<T extends string>(registry: Registry, name: string, help: string, labelNames: T[]): Counter<T> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing;
  return new Counter({ name, help, labelNames, registers: [registry] });
}
