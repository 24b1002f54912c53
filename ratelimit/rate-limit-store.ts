/** Selects the Redis store and holds its URL (`redis://` or `rediss://`, optional password): a secret, logged only redacted. */
export const REDIS_URL_VARIABLE = 'AIGW_RATELIMIT_REDIS_URL';

/** One counter to charge: its key (window start included), the hits, and when its window ends. */
export interface CounterIncrement {
  key: string;
  /** Hits to add; 0 reads the counter without charging it. */
  hits: number;
  /** Window length: the counter's time to live (Redis `EXPIRE`). */
  windowSeconds: number;
  /** When the window ends, Unix milliseconds (the memory store drops the counter then). */
  windowEndMs: number;
}

/**
 * Where counters live. One call per rate-limit request, all its counters at once (one round trip
 * for a remote store); resolves with each counter's value after the increment, in order (the same
 * key twice is charged twice, the second value includes the first). Rejects when the store cannot
 * answer, never hangs: the service then answers UNAVAILABLE and Envoy applies its failure mode.
 */
export interface RateLimitStore {
  /** For metric labels and logs: `memory` or `redis`. */
  readonly name: 'memory' | 'redis';
  increment(counters: readonly CounterIncrement[]): Promise<number[]>;
  close(): Promise<void>;
}
