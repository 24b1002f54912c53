import type { ChildExit } from '../../envoy/spawn-tied-child.js';
import type { Logger } from '../../common/logger.js';
import type { RunningExtProc } from './spawn-ext-proc.js';

export interface RestartPolicy {
  /** Give up once the ext_proc has crashed this many times within `windowMs`. */
  maxCrashes: number;
  windowMs: number;
}

/** Five crashes within a minute: something is wrong that a restart does not fix. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = { maxCrashes: 5, windowMs: 60_000 };

/**
 * Keeps the ext_proc running: when it dies unexpectedly it is started again at once on the same
 * socket (Envoy's gRPC client reconnects on the next request; requests in flight on the dead
 * process fail with 500, since the filter has `failure_mode_allow: false`). It gives up, and
 * `failed` resolves with the reason, when the new process does not start or when the ext_proc
 * keeps crashing (the policy), so a broken gateway ends with a clear message rather than a loop.
 */
export class ExtProcSupervisor {
  /** Resolves with a one-line reason when the supervisor gives up; never resolves otherwise. */
  readonly failed: Promise<string>;
  private current: RunningExtProc;
  private restarting: Promise<void> | undefined;
  private stopping = false;
  private crashes: number[] = [];
  private restarts = 0;
  private giveUp: (reason: string) => void = () => undefined;

  constructor(
    first: RunningExtProc,
    private readonly spawn: () => Promise<RunningExtProc>,
    private readonly logger: Logger,
    private readonly policy: RestartPolicy = DEFAULT_RESTART_POLICY,
    private readonly now: () => number = Date.now,
  ) {
    this.current = first;
    this.failed = new Promise((resolve) => {
      this.giveUp = resolve;
    });
    this.watch(first);
  }

  get pid(): number | undefined {
    return this.current.pid;
  }

  /** How many times the ext_proc has been restarted so far. */
  get restartCount(): number {
    return this.restarts;
  }

  /**
   * Has the running ext_proc load its config file again (see RunningExtProc.reload). One being
   * restarted reads the file as it starts, so waiting for the restart is enough.
   */
  async reload(revision: string): Promise<void> {
    if (this.restarting) await this.restarting;
    const running = this.current;
    try {
      await running.reload(revision);
    } catch (error) {
      // It died while reloading: its replacement starts on the new file.
      if (running !== this.current || this.restarting) return;
      throw error;
    }
  }

  /** Stops the ext_proc (and one being started) and resolves once it has exited. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.stopping = true;
    const running = this.current;
    running.stop(signal); // at once: a second Ctrl-C exits right after calling this
    await this.restarting;
    if (this.current !== running) this.current.stop(signal); // the one a restart in progress started
    await this.current.exited;
  }

  private watch(running: RunningExtProc): void {
    void running.exited.then((exit) => {
      if (this.stopping || running !== this.current) return;
      this.restarting = this.restart(exit);
    });
  }

  private async restart(exit: ChildExit): Promise<void> {
    const at = this.now();
    this.crashes = [...this.crashes.filter((time) => at - time < this.policy.windowMs), at];
    const what = `the external processor (pid ${this.current.pid ?? '?'}) ${exit.reason}`;
    if (this.crashes.length >= this.policy.maxCrashes) {
      this.stopping = true;
      this.giveUp(`${what}, its ${this.crashes.length} crashes within ${Math.round(this.policy.windowMs / 1000)}s are too many to keep restarting it`);
      return;
    }
    this.logger.warn(`${what}; restarting it (requests in flight on it failed with 500)`);
    try {
      const next = await this.spawn();
      this.restarts++;
      this.current = next;
      this.logger.info(`the external processor is back (pid ${next.pid ?? '?'}) after ${this.now() - at} ms`);
      if (this.stopping) return; // stop() stops it once restarting settles.
      this.watch(next);
    } catch (error) {
      this.stopping = true;
      this.giveUp(`${what} and could not be restarted: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
