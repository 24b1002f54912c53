import { readFile, rm } from 'node:fs/promises';
import type { ResultPromise } from 'execa';
import { mapLineStream } from '../common/child-log.js';
import { accessLogRedactor, createLineRedactor, redactingLineStream, type RedactionRules } from './log-redactor.js';
import { childExit, spawnTiedChild, type ChildExit } from './spawn-tied-child.js';
import { AigwError } from '../common/errors.js';

export interface StartEnvoyOptions {
  binary: string;
  bootstrapPath: string;
  /** Envoy writes its (ephemeral) admin address here; readiness and healthcheck read it. */
  adminAddressFile: string;
  /**
   * The aigw run id, passed after Envoy's own arguments as `-- --run-id <id>` (Envoy ignores
   * everything after `--`), the way func-e starts Envoy. Tools built on func-e's admin client
   * find the Envoy admin address from the aigw pid with it: they look among aigw's direct
   * children for one whose command line has `--admin-address-path <file>` before the `--` and
   * `--run-id` after it, then read the file. Without the marker they wait for ever.
   */
  runId: string;
  /** Component → level, as EnvoyProxy `spec.logging.level` (`default` is the global level). */
  logLevels: Record<string, string>;
  /** Where Envoy's stdout (access logs to /dev/stdout) goes. */
  stdout: NodeJS.WritableStream;
  /** Where Envoy's stderr goes, line by line. */
  stderr: NodeJS.WritableStream;
  /** Each (redacted) stderr line as shown on `stderr`, e.g. wrapped as JSON; unchanged when unset. */
  renderLine?: (line: string) => string;
  /** Credentials to take out of Envoy's output (its debug logs dump headers); none when unset. */
  redaction?: RedactionRules;
  readyTimeoutMs?: number;
}

export interface RunningEnvoy {
  pid: number | undefined;
  /** Admin address `host:port`, once ready. */
  adminAddress: string;
  /** Resolves when Envoy exits, for whatever reason. */
  exited: Promise<ChildExit>;
  /** The last lines Envoy logged, for error messages. */
  lastLogLines(): string[];
  /**
   * Stops accepting connections and waits (up to `timeoutMs`) for in-flight requests to finish.
   * Resolves with the number of requests still active at the end.
   */
  drain(timeoutMs: number): Promise<number>;
  stop(signal?: NodeJS.Signals): void;
}

/** Thrown when Envoy exits or never becomes ready; carries its last log lines. */
export class EnvoyStartError extends AigwError {
  constructor(message: string, readonly logLines: string[]) {
    super('ENVOY', logLines.length > 0 ? `${message}\nEnvoy's last log lines:\n  ${logLines.join('\n  ')}` : message);
    this.name = 'EnvoyStartError';
  }
}

const KEEP_LINES = 40;
/** Envoy's command-line parser (TCLAP) stops at `--` and ignores the rest. */
const ENVOY_ARGS_END = '--';
/** func-e's marker of the Envoy it started (func-e internal/admin `runIDFlag`). */
const RUN_ID_FLAG = '--run-id';

/**
 * Starts Envoy on a bootstrap file and waits until its admin `/ready` answers LIVE.
 * `--disable-hot-restart` lets several Envoys (tests, two aigw runs) share a machine without
 * fighting over the shared-memory base id.
 */
export async function startEnvoy(options: StartEnvoyOptions): Promise<RunningEnvoy> {
  await rm(options.adminAddressFile, { force: true });
  const { default: defaultLevel = 'error', ...components } = options.logLevels;
  // Access logs are flushed every 10 s by default; a local gateway should show them promptly.
  const args = ['-c', options.bootstrapPath, '--admin-address-path', options.adminAddressFile, '--disable-hot-restart', '--file-flush-interval-msec', '1000', '-l', defaultLevel];
  const componentLevels = Object.entries(components).map(([component, level]) => `${component}:${level}`);
  if (componentLevels.length > 0) args.push('--component-log-level', componentLevels.join(','));
  args.push(ENVOY_ARGS_END, RUN_ID_FLAG, options.runId);

  const child: ResultPromise = spawnTiedChild(options.binary, args, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', reject: false, buffer: false });
  const lines: string[] = [];
  const rules = options.redaction ?? { secrets: [], isCredentialHeader: () => false };
  // Line by line through the redactor; the last lines are kept (redacted) for error messages.
  const stderrLines = redactingLineStream(createLineRedactor(rules), (line) => {
    if (line.trim() === '') return;
    lines.push(line);
    if (lines.length > KEEP_LINES) lines.splice(0, lines.length - KEEP_LINES);
  });
  const shown = options.renderLine ? stderrLines.pipe(mapLineStream(options.renderLine)) : stderrLines;
  child.stderr?.pipe(stderrLines);
  shown.pipe(options.stderr, { end: false });
  // Access logs: configured secrets and bearer tokens, as in File sinks (bin/gateway/access-log-pipes.ts).
  child.stdout?.pipe(redactingLineStream(accessLogRedactor(options.redaction))).pipe(options.stdout, { end: false });
  // Its last words (a crash's stack trace) pass through the line stream after the exit is known:
  // `exited` waits for them (briefly), so lastLogLines() has them.
  const stderrDone = new Promise<void>((resolve) => (child.stderr ? stderrLines.once('end', resolve) : resolve()));
  const exited = childExit(child).then(async (exit) => {
    await Promise.race([stderrDone, new Promise((resolve) => setTimeout(resolve, 200))]);
    return exit;
  });
  const lastLogLines = (): string[] => [...lines];

  let exitedEarly = false;
  void exited.then(() => {
    exitedEarly = true;
  });
  const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
  let adminAddress = '';
  for (;;) {
    if (exitedEarly) {
      const exit = await exited;
      throw new EnvoyStartError(`Envoy ${exit.reason} before it was ready`, lastLogLines());
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new EnvoyStartError('Envoy did not become ready in time', lastLogLines());
    }
    adminAddress ||= (await readFile(options.adminAddressFile, 'utf8').catch(() => '')).trim();
    if (adminAddress && (await isReady(adminAddress))) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // LIVE is not enough: a listener whose listen() failed after its bind succeeded (another
  // process bound the port in between: SO_REUSEADDR lets both bind, only one listen) is dropped
  // with an error line while Envoy goes LIVE without it. Serving nothing is no start.
  // (Stats that cannot be read right after /ready answered are left to the supervisor.)
  const failedListeners = await listenerCreateFailures(adminAddress);
  if (failedListeners !== undefined && failedListeners > 0) {
    child.kill('SIGKILL');
    await exited;
    throw new EnvoyStartError(`Envoy could not open ${failedListeners === 1 ? 'a listener' : `${failedListeners} listeners`}`, lastLogLines());
  }
  return {
    pid: child.pid,
    adminAddress,
    exited,
    lastLogLines,
    drain: (timeoutMs) => drainEnvoy(adminAddress, timeoutMs),
    stop: (signal = 'SIGTERM') => {
      child.kill(signal);
    },
  };
}

async function isReady(adminAddress: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${adminAddress}/ready`, { signal: AbortSignal.timeout(1000) });
    return response.ok && (await response.text()).trim().toUpperCase() === 'LIVE';
  } catch {
    return false;
  }
}

/** `listener_manager.listener_create_failure`, or undefined when the admin did not answer. */
async function listenerCreateFailures(adminAddress: string): Promise<number | undefined> {
  return (await counterStats(adminAddress, '^listener_manager\\.listener_create_failure$', 2000))?.get('listener_manager.listener_create_failure');
}

async function drainEnvoy(adminAddress: string, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  try {
    // Closes the listeners (no new connections); open connections finish their requests.
    await fetch(`http://${adminAddress}/drain_listeners`, { method: 'POST', signal: AbortSignal.timeout(1000) });
  } catch {
    return 0; // Envoy is already gone: nothing to drain.
  }
  let active = await activeRequests(adminAddress);
  while (active > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    active = await activeRequests(adminAddress);
  }
  return active;
}

/** In-flight downstream requests on the gateway listeners (the admin listener excluded). */
async function activeRequests(adminAddress: string): Promise<number> {
  let total = 0;
  for (const [name, value] of (await counterStats(adminAddress, 'downstream_rq_active$', 1000)) ?? []) {
    const match = /^http\.(.+)\.downstream_rq_active$/.exec(name);
    if (match && match[1] !== 'admin') total += value;
  }
  return total;
}

/** Envoy's counters and gauges whose names match `filter` (a regex), by name; undefined when the admin did not answer. */
async function counterStats(adminAddress: string, filter: string, timeoutMs: number): Promise<Map<string, number> | undefined> {
  try {
    const response = await fetch(`http://${adminAddress}/stats?filter=${encodeURIComponent(filter)}`, { signal: AbortSignal.timeout(timeoutMs) });
    const stats = new Map<string, number>();
    for (const line of (await response.text()).split('\n')) {
      const match = /^(.+): (\d+)$/.exec(line.trim());
      if (match?.[1] !== undefined) stats.set(match[1], Number(match[2]));
    }
    return stats;
  } catch {
    return undefined;
  }
}
