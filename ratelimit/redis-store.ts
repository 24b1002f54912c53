import { Redis } from 'ioredis';
import { REDIS_URL_VARIABLE, type CounterIncrement, type RateLimitStore } from './rate-limit-store.js';
import { redactRedisUrl } from '../common/redact-redis-url.js';

export interface RedisStoreOptions {
  url: string;
  /** How long one request's commands may take before the store gives up on them. */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
}

const DEFAULT_COMMAND_TIMEOUT_MS = 500;
const DEFAULT_CONNECT_TIMEOUT_MS = 1000;
/** Reconnection backs off to this and keeps trying for ever: the store recovers when Redis is back. */
const MAX_RECONNECT_DELAY_MS = 1000;

/**
 * Counters in Redis, shared by every gateway (and envoyproxy/ratelimit instance) that uses the
 * same server: fixed windows as envoyproxy/ratelimit keeps them, `INCRBY key hits` then
 * `EXPIRE key windowSeconds` per counter, all of one request's counters in one MULTI (one round
 * trip; the EXPIRE can never be lost after its INCRBY).
 *
 * It never waits for Redis: no offline queue (a command while disconnected fails at once), no
 * retry of a command a dropped connection lost, and a command timeout for a server that stopped
 * answering. The connection is re-established in the background.
 */
export class RedisStore implements RateLimitStore {
  readonly name = 'redis';
  /** The URL without its password, for logs. */
  readonly redactedUrl: string;
  private readonly client: Redis;

  constructor(options: RedisStoreOptions) {
    this.redactedUrl = redactRedisUrl(options.url);
    // Node's URL error carries the input: never let it out.
    const protocol = URL.canParse(options.url) ? new URL(options.url).protocol : '';
    if (protocol !== 'redis:' && protocol !== 'rediss:') throw new Error(`${REDIS_URL_VARIABLE} must be a redis:// or rediss:// URL, got ${this.redactedUrl}`);
    this.client = new Redis(options.url, {
      commandTimeout: options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      connectTimeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    });
    // Errors surface on the commands (the service warns, throttled); without a listener ioredis
    // would print every failed reconnection.
    this.client.on('error', () => undefined);
  }

  /**
   * Waits (up to `timeoutMs`) for the first connection, so the first requests after a start are
   * not refused for want of one; false when Redis is not there yet (the store keeps trying).
   */
  connected(timeoutMs: number): Promise<boolean> {
    if (this.client.status === 'ready') return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ready: boolean): void => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        resolve(ready);
      };
      const onReady = (): void => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.client.on('ready', onReady);
    });
  }

  async increment(counters: readonly CounterIncrement[]): Promise<number[]> {
    if (counters.length === 0) return [];
    const multi = this.client.multi();
    for (const counter of counters) multi.incrby(counter.key, counter.hits).expire(counter.key, counter.windowSeconds);
    const replies = await multi.exec();
    if (!replies) throw new Error('Redis discarded the transaction');
    return counters.map((counter, i) => {
      const reply = replies[i * 2];
      if (!reply) throw new Error(`Redis sent no reply for ${counter.key}`);
      const [error, value] = reply;
      if (error) throw error;
      if (typeof value !== 'number') throw new Error(`Redis INCRBY answered ${typeof value}`);
      return value;
    });
  }

  async close(): Promise<void> {
    // QUIT lets Redis finish what it has; a dead server must not hold the shutdown.
    const quit = this.client.quit().then(
      () => undefined,
      () => undefined,
    );
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 1000).unref());
    await Promise.race([quit, timeout]);
    this.client.disconnect();
  }
}
