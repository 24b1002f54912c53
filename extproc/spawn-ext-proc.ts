import { fileURLToPath } from 'node:url';
import type { ResultPromise } from 'execa';
import { spawnTiedChild } from '../envoy/spawn-tied-child.js';
import { READY_LINE } from './ready-line.js';

export interface SpawnExtProcOptions {
  configPath: string;
  socketPath: string;
  /** Unix socket of the MCP proxy (only when the config has MCP routes). */
  mcpSocketPath?: string;
  adminPort: number;
  adminHost: string;
  envoyAdminAddressFile: string;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  stderr: NodeJS.WritableStream;
  /** Extra environment (GatewayConfig `extProc.kubernetes.env`), on top of aigw's own. */
  env?: Record<string, string>;
  readyTimeoutMs?: number;
}

export interface RunningExtProc {
  pid: number | undefined;
  exited: Promise<number>;
  stop(signal?: NodeJS.Signals): void;
}

/** Thrown when the ext_proc exits before it is ready; carries what it printed. */
export class ExtProcStartError extends Error {
  readonly code = 'EXTPROC_START_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'ExtProcStartError';
  }
}

/**
 * Runs the ext_proc as a child process (`node extproc/main.js`), so a crash there is visible and
 * recoverable, and so it can later run as several processes. Resolves once it prints READY_LINE.
 */
export async function spawnExtProc(options: SpawnExtProcOptions): Promise<RunningExtProc> {
  const main = fileURLToPath(new URL('./main.js', import.meta.url));
  // For profiling the data path, e.g. AIGW_EXTPROC_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof".
  const nodeArgs = (process.env.AIGW_EXTPROC_NODE_ARGS ?? '').split(' ').filter((arg) => arg !== '');
  const child: ResultPromise = spawnTiedChild(
    process.execPath,
    [
      ...nodeArgs,
      main,
      '--config', options.configPath,
      '--socket', options.socketPath,
      ...(options.mcpSocketPath ? ['--mcp-socket', options.mcpSocketPath] : []),
      '--admin-port', String(options.adminPort),
      '--admin-host', options.adminHost,
      '--envoy-admin-address-file', options.envoyAdminAddressFile,
      '--log-level', options.logLevel,
    ],
    { stdin: 'ignore', stdout: 'inherit', stderr: 'pipe', reject: false, buffer: false, env: options.env ?? {} },
  );
  const exited = child.then((result) => result.exitCode ?? (result.signal ? 128 : 1));
  let output = '';
  let ready = false;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new ExtProcStartError(`the ext_proc did not become ready in time${output ? `:\n${output.trim()}` : ''}`));
    }, options.readyTimeoutMs ?? 30_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      if (!ready) {
        output += text;
        if (output.includes(READY_LINE)) {
          ready = true;
          clearTimeout(timer);
          options.stderr.write(output);
          resolve();
        }
        return;
      }
      options.stderr.write(chunk);
    });
    void exited.then((code) => {
      if (ready) return;
      clearTimeout(timer);
      // Its own message (e.g. admin port in use) is the useful part; drop the "aigw ext_proc:" prefix.
      const message = output.trim().replace(/^aigw ext_proc: /, '') || `the ext_proc exited with code ${code}`;
      reject(new ExtProcStartError(message));
    });
  });
  return { pid: child.pid, exited, stop: (signal = 'SIGTERM') => child.kill(signal) };
}
