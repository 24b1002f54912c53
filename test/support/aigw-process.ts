/**
 * Runs the real CLI (`node dist/bin/aigw.js run`) as a subprocess for end-to-end tests and the
 * benchmark. Each run gets its own temp dir for state and runtime files so parallel runs never
 * share sockets or run dirs; the Envoy download cache (AIGW_DATA_HOME) and AIGW_ENVOY_PATH are
 * inherited so no test downloads Envoy twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.js';

export { freePort } from './free-port.js';
export { gatewayConfigYaml, ACCESS_LOG_FIELDS, DEFAULT_TEST_API_KEY, DEFAULT_TEST_MODELS, type GatewayConfigOptions } from './gateway-config-yaml.js';

/** What `aigw run` prints on stderr once Envoy accepts requests. */
export const READY_LINE = 'Envoy AI Gateway listening on http://localhost:';

/** The compiled CLI, from dist/test/support/ to dist/bin/. */
export const AIGW_BIN = fileURLToPath(new URL('../../bin/aigw.js', import.meta.url));

export interface StartAigwOptions {
  /**
   * The configuration. As a function of the Gateway listener port, startAigw picks the port and
   * can pick another when Envoy finds it taken (see startAigw); the chosen one is `aigw.port`.
   */
  configYaml: string | ((port: number) => string);
  /** Added to (or, with undefined values, removed from) the inherited environment. */
  env?: Record<string, string | undefined>;
  /** Admin server port; a free one (replaced when it turns out taken) when unset. */
  adminPort?: number;
  extraArgs?: string[];
  /** How long to wait for the ready line (default 60 s). */
  startTimeoutMs?: number;
  /** Keep stdout in `.stdout` (default true); off, it is discarded, e.g. access logs under load. */
  captureStdout?: boolean;
  /** Called with each complete stdout line, captured or not (e.g. to scan access logs under load). */
  onStdoutLine?: (line: string) => void;
  /** Leave the temp dir (config, state, run files) in place after stop(), for debugging. */
  keepTempDir?: boolean;
  /** Run `aigw run` without a config path (zero-config mode); `configYaml` is then unused. */
  omitConfigPath?: boolean;
}

export interface AigwExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface AigwProcess {
  readonly pid: number;
  /** The Gateway listener port startAigw chose for a `configYaml` function; 0 for a fixed config. */
  readonly port: number;
  readonly adminPort: number;
  readonly runId: string;
  readonly configPath: string;
  readonly tempDir: string;
  /** Everything written so far (access logs go to stdout; aigw's own messages to stderr). */
  readonly stdout: string;
  readonly stderr: string;
  readonly exited: Promise<AigwExit>;
  /** Signals aigw (SIGKILL after `killAfterMs`, default 20 s) and resolves once it exited. */
  stop(signal?: NodeJS.Signals, killAfterMs?: number): Promise<AigwExit>;
  /**
   * The first complete stdout line at or after char offset `since` that matches (default timeout
   * 15 s: Envoy flushes file access logs only every 10 s by default).
   */
  waitForStdout(pattern: string | RegExp, timeoutMs?: number, since?: number): Promise<string>;
  /** stdout lines (from char offset `since`) that are JSON objects: the access log entries. */
  accessLogs(since?: number): Record<string, unknown>[];
}

let runCounter = 0;
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Attempts at a start that fails only because a port picked here was taken meanwhile. */
const START_ATTEMPTS = 3;

/** aigw's one-line refusal when something holds an address it must bind (bin/gateway/address-in-use.ts). */
const ADDRESS_IN_USE = /address \S*:(\d+) already in use/;

/** Thrown by one start attempt when aigw exited because a port was taken. */
class PortTakenError extends Error {
  constructor(
    readonly port: number,
    cause: unknown,
  ) {
    super(`port ${port} is already in use`, { cause });
  }
}

/**
 * Starts `aigw run` and waits for its ready line. freePort() can only say a port was free a moment
 * ago: another test process, or a gateway's outgoing connection, may bind it before Envoy does,
 * and aigw then exits with "address … already in use". Ports picked here (the admin port unless
 * given; the listener port when `configYaml` is a function) are then replaced and the start tried
 * again, a bounded number of times. A fixed port the test chose stays a failure, as it should.
 */
export async function startAigw(options: StartAigwOptions): Promise<AigwProcess> {
  const render = options.configYaml;
  let port = typeof render === 'function' ? await freePort() : 0;
  let adminPort = options.adminPort ?? (await freePort());
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options, typeof render === 'function' ? render(port) : render, port, adminPort);
    } catch (error) {
      if (!(error instanceof PortTakenError) || attempt >= START_ATTEMPTS) throw error instanceof PortTakenError ? error.cause : error;
      const ours = (error.port === port && typeof render === 'function') || (error.port === adminPort && options.adminPort === undefined);
      if (!ours) throw error.cause;
      if (error.port === port) port = await freePort();
      else adminPort = await freePort();
    }
  }
}

async function startOnce(options: StartAigwOptions, configYaml: string, port: number, adminPort: number): Promise<AigwProcess> {
  const tempDir = await mkdtemp(join(tmpdir(), 'aigw-test-'));
  const configPath = join(tempDir, 'config.yaml');
  await writeFile(configPath, configYaml);
  // Short: it ends up in the ext_proc unix socket path, which must stay under 108 bytes.
  const runId = `t${process.pid}-${++runCounter}`;

  const env: NodeJS.ProcessEnv = { ...process.env, AIGW_STATE_HOME: join(tempDir, 'state'), AIGW_RUNTIME_DIR: join(tempDir, 'run'), AIGW_CONFIG_HOME: join(tempDir, 'config') };
  delete env.AIGW_RUN_ID;
  for (const [key, value] of Object.entries(options.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }

  const child = spawn(process.execPath, [AIGW_BIN, 'run', ...(options.omitConfigPath ? [] : [configPath]), '--admin-port', String(adminPort), '--run-id', runId, ...(options.extraArgs ?? [])], {
    env,
    stdio: ['ignore', options.captureStdout === false && !options.onStdoutLine ? 'ignore' : 'pipe', 'pipe'],
  });
  trackForExit(child);
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  const notify = (): void => {
    for (const listener of listeners) listener();
  };
  let partialLine = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    if (options.onStdoutLine) {
      const lines = (partialLine + chunk).split('\n');
      partialLine = lines.pop() ?? '';
      for (const line of lines) options.onStdoutLine(line);
    }
    if (options.captureStdout === false) return;
    stdout += chunk;
    notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    notify();
  });
  let exitState: AigwExit | undefined;
  const exited = new Promise<AigwExit>((resolve) => {
    const settle = (state: AigwExit): void => {
      running.delete(child);
      // Set before notifying so pending waits see the exit and reject at once.
      exitState ??= state;
      notify();
      resolve(exitState);
    };
    // 'exit' can come before the pipes are drained; 'close' means all output is in.
    child.once('exit', (code, signal) => child.once('close', () => settle({ code, signal })));
    child.once('error', (error) => {
      stderr += `\n[startAigw] spawn failed: ${error.message}\n`;
      settle({ code: null, signal: null });
    });
  });

  /** Resolves when `check` returns a value, rejects when aigw exits first or on timeout. */
  const waitFor = <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        listeners.delete(onChange);
      };
      const onChange = (): void => {
        const value = check();
        if (value !== undefined) {
          finish();
          resolve(value);
        } else if (exitState) {
          finish();
          reject(new Error(`aigw exited (${describeExit(exitState)}) while waiting for ${what}\n${transcript()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs}ms waiting for ${what}\n${transcript()}`));
      }, timeoutMs);
      listeners.add(onChange);
      onChange();
    });
  const transcript = (): string => `--- aigw stderr ---\n${stderr}--- aigw stdout ---\n${stdout}`;

  let stopping: Promise<AigwExit> | undefined;
  const stop = (signal: NodeJS.Signals = 'SIGTERM', killAfterMs = 20_000): Promise<AigwExit> => {
    stopping ??= (async () => {
      if (!exitState) {
        child.kill(signal);
        const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
        await exited;
        clearTimeout(killer);
      }
      if (!options.keepTempDir) await rm(tempDir, { recursive: true, force: true });
      return exited;
    })();
    return stopping;
  };

  const aigw: AigwProcess = {
    pid: child.pid ?? -1,
    port,
    adminPort,
    runId,
    configPath,
    tempDir,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    stop,
    waitForStdout: (pattern, timeoutMs = 15_000, since = 0) =>
      waitFor(() => completeLines(stdout, since).find((line) => (typeof pattern === 'string' ? line.includes(pattern) : line.search(pattern) !== -1)), timeoutMs, `stdout to match ${String(pattern)}`),
    accessLogs: (since = 0) =>
      completeLines(stdout, since).flatMap((line): Record<string, unknown>[] => {
        const entry = jsonObject(line);
        return entry ? [entry] : [];
      }),
  };

  try {
    await waitFor(() => (stderr.includes(READY_LINE) ? true : undefined), options.startTimeoutMs ?? 60_000, 'the ready line');
  } catch (error) {
    await stop('SIGTERM', 5_000);
    const taken = exitState && exitState.code !== 0 ? ADDRESS_IN_USE.exec(stderr) : null;
    if (taken) throw new PortTakenError(Number(taken[1]), error);
    throw error;
  }
  return aigw;
}

function completeLines(text: string, since: number): string[] {
  const end = text.lastIndexOf('\n');
  return end < since ? [] : text.slice(since, end).split('\n');
}

function jsonObject(line: string): Record<string, unknown> | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.fromEntries(Object.entries(value)) : undefined;
  } catch {
    return undefined;
  }
}

function describeExit(exit: AigwExit): string {
  return exit.signal ? `signal ${exit.signal}` : `code ${String(exit.code)}`;
}

/**
 * A test runner that exits without stopping aigw would leave it (and its Envoy) holding ports;
 * SIGTERM lets aigw shut its children down even after we are gone.
 */
function trackForExit(child: ChildProcess): void {
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.on('exit', () => {
      for (const orphan of running) orphan.kill('SIGTERM');
    });
  }
  running.add(child);
}
