import { fileURLToPath } from 'node:url';
import type { ResultPromise } from 'execa';
import { createLineRedactor, redactingLineStream, type RedactionRules } from '../../envoy/log-redactor.js';
import { childExit, spawnTiedChild, type ChildExit } from '../../envoy/spawn-tied-child.js';
import { parseLogRecord, renderExtProcLine } from '../../common/child-log.js';
import type { LogFormat } from '../../common/logger.js';
import { AigwError } from '../../common/errors.js';
import { READY_LINE, RELOADED_LINE, RELOAD_FAILED_LINE } from '../../extproc/server/ready-line.js';

export interface SpawnExtProcOptions {
  configPath: string;
  socketPath: string;
  /** Unix socket of the MCP proxy (served once a configuration has MCP routes). */
  mcpSocketPath?: string;
  /** Unix socket of the rate-limit service (served once a configuration limits anything). */
  rateLimitSocketPath?: string;
  /** aigw's configuration status file (`aigw_config_*` metrics). */
  configStatusPath?: string;
  adminPort: number;
  adminHost: string;
  envoyAdminAddressFile: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  /** The user's log format: the ext_proc's lines are rendered in it on `stderr`. */
  logFormat?: LogFormat;
  stderr: NodeJS.WritableStream;
  /** Extra environment (GatewayConfig `extProc.kubernetes.env`), on top of aigw's own. */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  /** Credentials to take out of its output (a crash report may quote a request); none when unset. */
  redaction?: RedactionRules;
}

export interface RunningExtProc {
  pid: number | undefined;
  /** Resolves when the process has exited, for whatever reason. */
  exited: Promise<ChildExit>;
  stop(signal?: NodeJS.Signals): void;
  /**
   * Has it load its config file again (SIGHUP); resolves once it reports `revision` loaded,
   * rejects with its reason when it refuses, or after `timeoutMs`.
   */
  reload(revision: string, timeoutMs?: number): Promise<void>;
}

/** How long a reload may take the ext_proc (reading and checking the config; CEL is compiled lazily). */
const RELOAD_TIMEOUT_MS = 10_000;

/**
 * V8's young generation grows to 3 × 16 MiB under load, nearly all of it garbage between
 * scavenges: the ext_proc's allocations are per request and short-lived. 4 MiB semi-spaces keep
 * its resident size at 64 concurrent requests ~25 MiB lower at the same throughput.
 */
const EXT_PROC_V8_ARGS = ['--max-semi-space-size=4'];

/**
 * Runs the ext_proc as a child process (`node extproc/main.js`), so a crash there is visible and
 * recoverable, and so it can later run as several processes. Resolves once it prints READY_LINE.
 */
export async function spawnExtProc(options: SpawnExtProcOptions): Promise<RunningExtProc> {
  const main = fileURLToPath(new URL('../../extproc/main.js', import.meta.url));
  // For profiling the data path, e.g. AIGW_EXTPROC_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env.AIGW_EXTPROC_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
  const child: ResultPromise = spawnTiedChild(
    process.execPath,
    [
      ...EXT_PROC_V8_ARGS,
      ...nodeArgs,
      main,
      '--config', options.configPath,
      '--socket', options.socketPath,
      ...(options.mcpSocketPath ? ['--mcp-socket', options.mcpSocketPath] : []),
      ...(options.rateLimitSocketPath ? ['--ratelimit-socket', options.rateLimitSocketPath] : []),
      ...(options.configStatusPath ? ['--config-status', options.configStatusPath] : []),
      '--admin-port', String(options.adminPort),
      '--admin-host', options.adminHost,
      '--envoy-admin-address-file', options.envoyAdminAddressFile,
      '--log-level', options.logLevel,
      // Always json towards aigw, which renders the lines in the user's format (child-log.ts).
      '--log-format', 'json',
    ],
    { stdin: 'ignore', stdout: 'inherit', stderr: 'pipe', reject: false, buffer: false, env: options.env ?? {} },
  );
  const exited = childExit(child);
  const format = options.logFormat ?? 'text';
  /** What it said before it was ready: shown once it is, or quoted (messages only) if it fails. */
  const early: { rendered: string; message: string }[] = [];
  let ready = false;
  /** Whoever waits for the answer to a reload (at most one at a time: aigw reloads one after another). */
  let reloadWaiter: ((message: string) => boolean) | undefined;
  await new Promise<void>((resolve, reject) => {
    const earlyText = (): string => early.map((line) => line.message).join('\n').trim();
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      const said = earlyText();
      reject(new AigwError('EXT_PROC', `the ext_proc did not become ready in time${said ? `:\n${said}` : ''}`));
    }, options.readyTimeoutMs ?? 30_000);
    const onLine = (line: string): void => {
      const rendered = `${renderExtProcLine(line, format)}\n`;
      const message = parseLogRecord(line)?.msg ?? line;
      // A reload's answer goes to its waiter; aigw says what the reload did in a line of its own.
      if (ready && reloadWaiter?.(message) === true) return;
      if (ready) {
        options.stderr.write(rendered);
        return;
      }
      early.push({ rendered, message });
      if (message === READY_LINE) {
        ready = true;
        clearTimeout(timer);
        options.stderr.write(early.map((entry) => entry.rendered).join(''));
        resolve();
      }
    };
    const stderr = child.stderr?.pipe(redactingLineStream(createLineRedactor(options.redaction ?? { secrets: [], isCredentialHeader: () => false }), onLine));
    // Flowing mode: the lines are taken in onLine.
    stderr?.resume();
    // Its last words pass through the line stream after the exit is known: wait for them (briefly).
    const drained = new Promise<void>((resolveDrained) => {
      if (!stderr) return resolveDrained();
      stderr.once('end', resolveDrained);
      void exited.then(() => setTimeout(resolveDrained, 200));
    });
    void exited.then(async (exit) => {
      await drained;
      if (ready) return;
      clearTimeout(timer);
      // Its own message (e.g. admin port in use) is the useful part.
      reject(new AigwError('EXT_PROC', earlyText() || `the ext_proc ${exit.reason}`));
    });
  });
  const reload = (revision: string, timeoutMs = RELOAD_TIMEOUT_MS): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reloadWaiter = undefined;
        reject(new AigwError('EXT_PROC', `the ext_proc did not load the new configuration within ${timeoutMs / 1000}s`));
      }, timeoutMs);
      reloadWaiter = (message) => {
        if (message === `${RELOADED_LINE} ${revision}`) {
          clearTimeout(timer);
          reloadWaiter = undefined;
          resolve();
          return true;
        }
        if (message.startsWith(RELOAD_FAILED_LINE)) {
          clearTimeout(timer);
          reloadWaiter = undefined;
          reject(new AigwError('EXT_PROC', message.slice(RELOAD_FAILED_LINE.length).replace(/^: /, '')));
          return true;
        }
        return message.startsWith(RELOADED_LINE); // an earlier reload's answer: not shown either
      };
      child.kill('SIGHUP');
    });
  return { pid: child.pid, exited, stop: (signal = 'SIGTERM') => child.kill(signal), reload };
}
