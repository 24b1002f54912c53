import type { Registry } from 'prom-client';
import type { RateLimitConfig } from '../contract/rate-limit-config.js';
import type { Logger } from '../common/logger.js';
import { createRateLimitStore } from './create-rate-limit-store.js';
import { RateLimitMetrics } from './rate-limit-metrics.js';
import { startRateLimitServer } from './rate-limit-server.js';
import { RateLimiter } from './rate-limiter.js';

export interface RateLimitServiceOptions {
  socketPath: string;
  /** The descriptor trees (the rest of the config is the router's). */
  config: Pick<RateLimitConfig, 'domains'>;
  /** The ext_proc's Prometheus registry (its `/metrics`). */
  registry: Registry;
  logger: Logger;
  env: NodeJS.ProcessEnv;
}

export interface RunningRateLimitService {
  /** The limiter behind the socket: the router checks requests with it directly (same counters). */
  limiter: RateLimiter;
  close(): Promise<void>;
}

/**
 * The rate limiter of the ext_proc process: the counter store (memory, or Redis with
 * AIGW_RATELIMIT_REDIS_URL), the limiter, and its gRPC server on `socketPath` for Envoy's
 * `envoy.filters.http.ratelimit` filters (which charge response costs when a stream is done).
 * Closing stops the server, then the store.
 */
export async function startRateLimitService(options: RateLimitServiceOptions): Promise<RunningRateLimitService> {
  const metrics = new RateLimitMetrics(options.registry);
  const store = await createRateLimitStore(options.env, metrics, options.logger);
  const limiter = new RateLimiter({ config: options.config, store, metrics, logger: options.logger });
  let server;
  try {
    server = await startRateLimitServer(options.socketPath, limiter, options.logger);
  } catch (error) {
    await store.close();
    throw error;
  }
  return {
    limiter,
    close: async () => {
      await server.close();
      await store.close();
    },
  };
}
