import { ConfigFileError, readConfigFile } from '../compiler/read-config-file.js';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import { join, resolve } from 'node:path';
import { compileConfig, type CompiledConfig } from '../compiler/compile-config.js';
import { DEFAULT_LISTEN_ADDRESS } from '../compiler/build-envoy-bootstrap.js';
import { ConfigError, formatDiagnostic } from '../compiler/diagnostic.js';
import { ENVOY_VERSION } from '../envoy/envoy-version.js';
import { obtainEnvoy } from '../envoy/obtain-envoy.js';
import { startEnvoy, type RunningEnvoy } from '../envoy/start-envoy.js';
import { spawnExtProc, type RunningExtProc } from '../extproc/spawn-ext-proc.js';
import { redactionRules } from './config-secrets.js';
import { ExtProcSupervisor } from './ext-proc-supervisor.js';
import type { AigwDirs } from './aigw-dirs.js';
import { EXIT_OK, EXIT_RUNTIME } from './usage-error.js';

export interface RunOptions {
  /** The configuration file, or generated text (zero-config mode) shown under the `file` label. */
  config: { file: string; text?: string };
  dirs: AigwDirs;
  runId: string;
  adminPort: number;
  adminAddress: string;
  /** `--listen-address`: overrides every Gateway's addresses. */
  listenAddress?: string;
  /** `--envoy-max-heap` in bytes. */
  envoyMaxHeapBytes?: number;
  debug: boolean;
  envoyPath?: string;
  envoyPathOrigin?: string;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** A failure `aigw run` reports in one line (plus context), never as a stack trace. */
export class RunError extends Error {
  readonly code = 'RUN_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'RunError';
  }
}

/**
 * `aigw run FILE`: compile, start the ext_proc, then Envoy; print where it listens; supervise
 * both until a signal (exit 0) or until one of them dies (exit 1 with its last words).
 */
export async function runGateway(options: RunOptions): Promise<number> {
  const startedAt = Date.now();
  const log = (line: string): void => void options.stderr.write(`${line}\n`);
  const runDir = join(options.dirs.stateHome, 'runs', options.runId);
  const runtimeDir = join(options.dirs.runtimeDir, options.runId);
  const socketPath = join(runtimeDir, 'extproc.sock');
  const mcpSocketPath = join(runtimeDir, 'mcp.sock');
  const adminAddressFile = join(runtimeDir, 'admin-address.txt');

  const compiled = await compile(options, socketPath, mcpSocketPath, log);
  await checkPortsFree(compiled.model.listeners.map((listener) => listener.port));

  // Private directories: the socket and the filter config give access to credentials.
  // (A run id used before leaves its directories and files behind: their modes are set again.)
  await mkdir(runDir, { recursive: true, mode: 0o700 });
  await chmod(runDir, 0o700);
  await mkdir(runtimeDir, { recursive: true, mode: 0o700 });
  await chmod(runtimeDir, 0o700);
  const bootstrapPath = join(runDir, 'envoy.json');
  const filterConfigPath = join(runDir, 'extproc-config.json');
  for (const [path, content] of [
    [bootstrapPath, compiled.bootstrap],
    [filterConfigPath, compiled.filterConfig],
  ] as const) {
    await writeFile(path, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
    await chmod(path, 0o600);
  }

  const envoyBinary = await obtainEnvoy({
    ...(options.envoyPath ? { explicitPath: options.envoyPath } : {}),
    ...(options.envoyPathOrigin ? { explicitPathOrigin: options.envoyPathOrigin } : {}),
    dataHome: options.dirs.dataHome,
    // EnvoyProxy provider.host.envoyVersion (ENVOY_VERSION in zero-config mode) picks another release.
    version: compiled.model.envoyVersion ?? ENVOY_VERSION,
    log,
    progress: options.stderr,
    env: options.env,
  });

  // Envoy at debug level dumps headers (keys, tokens): every child's output is redacted.
  const redaction = redactionRules(compiled.filterConfig);
  const startExtProc = (): Promise<RunningExtProc> =>
    spawnExtProc({
      configPath: filterConfigPath,
      socketPath,
      ...(compiled.filterConfig.mcp ? { mcpSocketPath } : {}),
      adminPort: options.adminPort,
      adminHost: options.adminAddress,
      envoyAdminAddressFile: adminAddressFile,
      logLevel: options.debug ? 'debug' : 'warn',
      stderr: options.stderr,
      env: compiled.model.extProcEnv,
      redaction,
    });
  const extProc = await startExtProc().catch((error: unknown) => {
    throw new RunError(`external processor failed to start: ${error instanceof Error ? error.message : String(error)}`);
  });

  let envoy: RunningEnvoy;
  try {
    envoy = await startEnvoy({
      binary: envoyBinary.path,
      bootstrapPath,
      adminAddressFile,
      logLevels: options.debug ? { ...compiled.model.logLevels, default: 'debug' } : { default: 'error', ...compiled.model.logLevels },
      stdout: options.stdout,
      stderr: options.stderr,
      redaction,
    });
  } catch (error) {
    extProc.stop('SIGKILL');
    throw new RunError(error instanceof Error ? error.message : String(error));
  }

  const firstPort = compiled.model.listeners[0]?.port ?? 0;
  const seconds = Math.round((Date.now() - startedAt) / 100) / 10;
  log(`Envoy AI Gateway listening on http://localhost:${firstPort} (admin http://${envoy.adminAddress}) after ${seconds}s`);
  for (const exposed of exposedListeners(compiled, options.listenAddress)) {
    log(`Listener on ${exposed}: reachable from other machines, which can spend the configured provider credentials`);
  }
  log(`Admin server (/metrics, /health) on http://${options.adminAddress}:${options.adminPort}; run files in ${runDir}`);
  return supervise(envoy, new ExtProcSupervisor(extProc, startExtProc, log), log);
}

async function compile(options: RunOptions, socketPath: string, mcpSocketPath: string, log: (line: string) => void): Promise<CompiledConfig> {
  let text = options.config.text;
  if (text === undefined) {
    const path = resolve(options.config.file);
    try {
      text = await readConfigFile(path, options.config.file);
    } catch (error) {
      if (error instanceof ConfigFileError) throw new RunError(formatDiagnostic(error.diagnostic));
      const code = error instanceof Error && 'code' in error ? String(error.code) : '';
      throw new RunError(code === 'ENOENT' ? `config file not found: ${path}` : `cannot read config file ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  try {
    const compiled = compileConfig(text, {
      file: options.config.file,
      env: options.env,
      extProcSocketPath: socketPath,
      mcpProxySocketPath: mcpSocketPath,
      ...(options.listenAddress !== undefined ? { listenAddress: options.listenAddress } : {}),
      ...(options.envoyMaxHeapBytes !== undefined ? { envoyMaxHeapBytes: options.envoyMaxHeapBytes } : {}),
    });
    // Warnings about a generated configuration concern aigw's own template (it mirrors upstream's,
    // including fields Kubernetes prunes), not anything the user can change: debug only.
    const generated = options.config.text !== undefined;
    if (!generated || options.debug) for (const warning of compiled.warnings) log(formatDiagnostic(warning));
    return compiled;
  } catch (error) {
    if (error instanceof ConfigError) throw new RunError(`invalid configuration:\n${error.diagnostics.map(formatDiagnostic).join('\n')}`);
    throw error;
  }
}

async function checkPortsFree(ports: number[]): Promise<void> {
  for (const port of ports) {
    await new Promise<void>((resolvePort, reject) => {
      const server = net.createServer();
      server.once('error', (error: NodeJS.ErrnoException) => {
        reject(new RunError(error.code === 'EADDRINUSE' ? `port ${port} is already in use (the Gateway listener needs it)` : `cannot listen on port ${port}: ${error.message}`));
      });
      server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolvePort()));
    });
  }
}

/** How long a shutdown waits for in-flight requests (long LLM streams are cut after this). */
const DRAIN_TIMEOUT_MS = 10_000;

/**
 * Resolves with the exit code once the gateway is told to stop or can no longer serve. A dead
 * ext_proc is restarted in place (ExtProcSupervisor); a dead Envoy ends the run (exit 1): it
 * holds the listeners and in-flight connections, and dies only from a crash or an outside kill,
 * which a silent restart would hide.
 */
function supervise(envoy: RunningEnvoy, extProc: ExtProcSupervisor, log: (line: string) => void): Promise<number> {
  return new Promise((resolveExit) => {
    let stopping = false;
    const shutdown = async (): Promise<void> => {
      log('aigw: shutting down (draining in-flight requests; press Ctrl-C again to exit now)');
      const left = await envoy.drain(DRAIN_TIMEOUT_MS);
      if (left > 0) log(`aigw: ${left} request(s) still in flight after ${DRAIN_TIMEOUT_MS / 1000}s; stopping anyway`);
      // Envoy first, so no new request reaches an ext_proc that is going away.
      envoy.stop('SIGTERM');
      await envoy.exited;
      await extProc.stop('SIGTERM');
      resolveExit(EXIT_OK);
    };
    const onSignal = (): void => {
      if (stopping) {
        envoy.stop('SIGKILL');
        void extProc.stop('SIGKILL');
        process.exit(EXIT_RUNTIME);
      }
      stopping = true;
      void shutdown();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    void envoy.exited.then((exit) => {
      if (stopping) return;
      stopping = true;
      log(`aigw: error: Envoy (pid ${envoy.pid ?? '?'}) ${exit.reason} unexpectedly; stopping the gateway. Envoy's last log lines:\n  ${envoy.lastLogLines().join('\n  ') || '(none)'}`);
      void extProc.stop('SIGTERM').then(() => resolveExit(EXIT_RUNTIME));
    });
    void extProc.failed.then((reason) => {
      if (stopping) return;
      stopping = true;
      log(`aigw: error: ${reason}; stopping Envoy`);
      envoy.stop('SIGTERM');
      void envoy.exited.then(() => resolveExit(EXIT_RUNTIME));
    });
  });
}

/** `address:port` of the listeners bound to something other than loopback. */
function exposedListeners(compiled: CompiledConfig, listenAddress: string | undefined): string[] {
  return compiled.model.listeners.flatMap((listener) => {
    const addresses = listenAddress !== undefined ? [listenAddress] : listener.addresses.length > 0 ? listener.addresses : [DEFAULT_LISTEN_ADDRESS];
    return addresses.filter((address) => !isLoopback(address)).map((address) => `${address.includes(':') ? `[${address}]` : address}:${listener.port}`);
  });
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.');
}
