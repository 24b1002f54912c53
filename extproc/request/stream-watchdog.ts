import { firesAfterMs, requestTimeoutLeadMs, type StreamTimeout, type StreamTimeouts } from './stream-timeouts.js';

/**
 * The timers of one response stream: the idle timer restarts on every chunk from the provider,
 * the request timer runs from the start of the request (slightly ahead of Envoy's route timer,
 * see requestTimeoutLeadMs). Whichever fires first calls `onExpire` once; nothing fires after
 * `stop`. Timers are unref'd: a stream never keeps the process alive.
 */
export class StreamWatchdog {
  private idleTimer: NodeJS.Timeout | undefined;
  private requestTimer: NodeJS.Timeout | undefined;
  private expired = false;

  /**
   * @param startedAt `performance.now()` when the request started (the request timer's origin).
   */
  constructor(
    private readonly timeouts: StreamTimeouts,
    startedAt: number,
    private readonly onExpire: (timeout: StreamTimeout) => void,
  ) {
    this.idleTimer = setTimeout(() => this.expire(timeouts.idle), firesAfterMs(timeouts.idle)).unref();
    const request = timeouts.request;
    if (request) {
      const left = startedAt + request.ms - requestTimeoutLeadMs(request.ms) - performance.now();
      this.requestTimer = setTimeout(() => this.expire(request), Math.max(0, left)).unref();
    }
  }

  /** The provider sent something: the idle timer starts over. */
  activity(): void {
    // refresh() re-arms the same timer: no allocation per chunk.
    this.idleTimer?.refresh();
  }

  stop(): void {
    clearTimeout(this.idleTimer);
    clearTimeout(this.requestTimer);
    this.idleTimer = this.requestTimer = undefined;
  }

  private expire(timeout: StreamTimeout): void {
    if (this.expired) return;
    this.expired = true;
    this.stop();
    this.onExpire(timeout);
  }
}
