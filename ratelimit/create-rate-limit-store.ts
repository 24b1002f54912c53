import type { Logger } from '../common/logger.js';
import { MemoryStore } from './memory-store.js';
import type { RateLimitMetrics } from './rate-limit-metrics.js';
import { REDIS_URL_VARIABLE, type RateLimitStore } from './rate-limit-store.js';

/** How long a start waits for Redis before serving anyway. */
const REDIS_START_WAIT_MS = 2000;

/**
 * The counter store: Redis when `AIGW_RATELIMIT_REDIS_URL` is set (the client library loads only
 * then), else counters in this process.
 */
export async function createRateLimitStore(env: NodeJS.ProcessEnv, metrics: RateLimitMetrics, logger: Logger): Promise<RateLimitStore> {
  const url = env[REDIS_URL_VARIABLE] ?? '';
  if (url === '') return new MemoryStore({ onEvict: (count) => metrics.evicted(count) });
  const { RedisStore } = await import('./redis-store.js');
  const store = new RedisStore({ url });
  if (await store.connected(REDIS_START_WAIT_MS)) logger.info(`rate-limit counters in Redis at ${store.redactedUrl}`);
  else logger.warn(`rate-limit counters in Redis at ${store.redactedUrl}: not reachable yet, rate-limit checks fail (Envoy's failure mode applies) until it is`);
  return store;
}
