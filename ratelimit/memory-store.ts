import type { CounterIncrement, RateLimitStore } from './rate-limit-store.js';

/** The default cap on counters held at once (about 100 bytes each plus the key). */
export const DEFAULT_MEMORY_STORE_MAX_COUNTERS = 100_000;

export interface MemoryStoreOptions {
  /** Counters held at once, at most; see MemoryStore. */
  maxCounters?: number;
  now?: () => number;
  /** Called with the number of live counters dropped to make room (for a metric). */
  onEvict?: (count: number) => void;
}

interface Counter {
  value: number;
  windowEndMs: number;
}

/**
 * Counters in this process: the default store, nothing to install, one gateway's budget (two
 * gateways each count their own). Memory is bounded whatever the requests carry:
 *
 * - a counter is dropped when its window ends (its key names the window, so it is never read
 *   again): counters are grouped by window end, and ended groups go in one step, on the first
 *   increment after they end;
 * - at most `maxCounters` are held: a new counter when the store is full first drops the ended
 *   windows, then the counter created longest ago (it restarts from zero if asked again: the
 *   store fails open for the oldest counters rather than refusing new ones, so a flood of
 *   distinct values cannot deny everyone), reported through `onEvict`.
 */
export class MemoryStore implements RateLimitStore {
  readonly name = 'memory';
  private readonly maxCounters: number;
  private readonly now: () => number;
  private readonly onEvict: ((count: number) => void) | undefined;
  /** In creation order (Map order): the eviction order. */
  private readonly counters = new Map<string, Counter>();
  /** Keys by window end. Few groups: one per unit and window alive. */
  private readonly byWindowEnd = new Map<number, Set<string>>();
  /** The earliest window end in byWindowEnd: nothing to sweep before it. */
  private nextWindowEndMs = Number.POSITIVE_INFINITY;

  constructor(options: MemoryStoreOptions = {}) {
    this.maxCounters = options.maxCounters ?? DEFAULT_MEMORY_STORE_MAX_COUNTERS;
    if (!Number.isInteger(this.maxCounters) || this.maxCounters < 1) throw new Error(`maxCounters must be a positive integer, got ${this.maxCounters}`);
    this.now = options.now ?? Date.now;
    this.onEvict = options.onEvict;
  }

  /** Counters held now. */
  get size(): number {
    return this.counters.size;
  }

  increment(counters: readonly CounterIncrement[]): Promise<number[]> {
    const now = this.now();
    if (now >= this.nextWindowEndMs) this.dropEnded(now);
    return Promise.resolve(counters.map((counter) => this.add(counter, now)));
  }

  close(): Promise<void> {
    this.counters.clear();
    this.byWindowEnd.clear();
    this.nextWindowEndMs = Number.POSITIVE_INFINITY;
    return Promise.resolve();
  }

  private add(increment: CounterIncrement, now: number): number {
    const existing = this.counters.get(increment.key);
    if (existing && existing.windowEndMs > now) {
      existing.value += increment.hits;
      return existing.value;
    }
    if (existing) this.remove(increment.key, existing);
    // A window already over (a clock step) is not worth keeping.
    if (increment.windowEndMs <= now) return increment.hits;
    if (this.counters.size >= this.maxCounters) this.makeRoom(now);
    const counter = { value: increment.hits, windowEndMs: increment.windowEndMs };
    this.counters.set(increment.key, counter);
    let group = this.byWindowEnd.get(counter.windowEndMs);
    if (!group) this.byWindowEnd.set(counter.windowEndMs, (group = new Set<string>()));
    group.add(increment.key);
    if (counter.windowEndMs < this.nextWindowEndMs) this.nextWindowEndMs = counter.windowEndMs;
    return counter.value;
  }

  private makeRoom(now: number): void {
    this.dropEnded(now);
    let evicted = 0;
    for (const [key, counter] of this.counters) {
      if (this.counters.size < this.maxCounters) break;
      this.remove(key, counter);
      evicted++;
    }
    if (evicted > 0) this.onEvict?.(evicted);
  }

  private dropEnded(now: number): void {
    let next = Number.POSITIVE_INFINITY;
    for (const [windowEndMs, keys] of this.byWindowEnd) {
      if (windowEndMs > now) {
        next = Math.min(next, windowEndMs);
        continue;
      }
      for (const key of keys) this.counters.delete(key);
      this.byWindowEnd.delete(windowEndMs);
    }
    this.nextWindowEndMs = next;
  }

  private remove(key: string, counter: Counter): void {
    this.counters.delete(key);
    const group = this.byWindowEnd.get(counter.windowEndMs);
    group?.delete(key);
    if (group?.size === 0) this.byWindowEnd.delete(counter.windowEndMs);
  }
}
