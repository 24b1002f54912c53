import type { RunningEnvoy } from '../../envoy/start-envoy.js';
import type { Logger } from '../../common/logger.js';
import type { AccessLogPipes } from './access-log-pipes.js';
import type { ExtProcSupervisor } from './ext-proc-supervisor.js';
import { EXIT_OK, EXIT_RUNTIME } from '../../common/errors.js';

export interface SupervisedGateway {
  envoy: RunningEnvoy;
  extProc: ExtProcSupervisor;
  /** Copied until Envoy is gone, so the last requests' lines reach their files. */
  accessLogs: AccessLogPipes;
  logger: Logger;
  /**
   * Resolves (with why) when the gateway must stop as on SIGTERM for another reason: the
   * process that started aigw has gone (parent-watch.ts).
   */
  stopWhen?: Promise<string>;
  /** Set when the configuration reloads on SIGHUP (`aigw run FILE` watching it): SIGHUP then reloads instead of stopping. */
  reloader?: { request(why: string): void; close(): void };
}

/** How long a shutdown waits for in-flight requests (long LLM streams are cut after this). */
export const DRAIN_TIMEOUT_MS = 10_000;

/**
 * The signals that stop the gateway gracefully. SIGHUP too, unless it reloads the configuration:
 * it is what a closed terminal (or an ended SSH session) sends, and it must not cut the requests
 * in flight any more than Ctrl-C does.
 */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Resolves with the exit code once the gateway is told to stop or can no longer serve. A dead
 * ext_proc is restarted in place (ExtProcSupervisor); a dead Envoy ends the run (exit 1): it
 * holds the listeners and in-flight connections, and dies only from a crash or an outside kill,
 * which a silent restart would hide. A first signal drains (exit 0); a second exits at once.
 */
export function superviseGateway({ envoy, extProc, accessLogs, logger, stopWhen, reloader }: SupervisedGateway): Promise<number> {
  return new Promise((resolveExit) => {
    let stopping = false;
    const stopSignals = STOP_SIGNALS.filter((signal) => !(reloader && signal === 'SIGHUP'));
    const onHangup = (): void => reloader?.request('SIGHUP');
    const finish = async (code: number): Promise<void> => {
      reloader?.close();
      await accessLogs.close();
      for (const signal of stopSignals) process.off(signal, onSignal);
      if (reloader) process.off('SIGHUP', onHangup);
      resolveExit(code);
    };
    const shutdown = async (why: string): Promise<void> => {
      logger.info(`shutting down ${why} (draining in-flight requests; press Ctrl-C again to exit now)`);
      const left = await envoy.drain(DRAIN_TIMEOUT_MS);
      if (left > 0) logger.warn(`${left} request(s) still in flight after ${DRAIN_TIMEOUT_MS / 1000}s; stopping anyway`);
      // Envoy first, so no new request reaches an ext_proc that is going away.
      envoy.stop('SIGTERM');
      await envoy.exited;
      await extProc.stop('SIGTERM');
      await finish(EXIT_OK);
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        envoy.stop('SIGKILL');
        void extProc.stop('SIGKILL');
        process.exit(EXIT_RUNTIME);
      }
      stopping = true;
      void shutdown(`on ${signal}`);
    };
    for (const signal of stopSignals) process.on(signal, onSignal);
    if (reloader) process.on('SIGHUP', onHangup);
    void stopWhen?.then((why) => {
      if (stopping) return;
      stopping = true;
      void shutdown(why);
    });
    void envoy.exited.then((exit) => {
      if (stopping) return;
      stopping = true;
      logger.error(`Envoy (pid ${envoy.pid ?? '?'}) ${exit.reason} unexpectedly; stopping the gateway. Envoy's last log lines:\n  ${envoy.lastLogLines().join('\n  ') || '(none)'}`);
      void extProc.stop('SIGTERM').then(() => finish(EXIT_RUNTIME));
    });
    void extProc.failed.then((reason) => {
      if (stopping) return;
      stopping = true;
      logger.error(`${reason}; stopping Envoy`);
      envoy.stop('SIGTERM');
      void envoy.exited.then(() => finish(EXIT_RUNTIME));
    });
  });
}
