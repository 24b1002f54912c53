import { readConfigFile } from '../../compiler/read-config-file.js';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DEFAULT_LISTEN_ADDRESS } from '../../compiler/build-envoy-bootstrap.js';
import { compileConfig, type CompiledConfig } from '../../compiler/compile-config.js';
import { ConfigError, formatDiagnostic } from '../../compiler/diagnostic.js';
import { ENVOY_VERSION } from '../../envoy/envoy-version.js';
import { obtainEnvoy } from '../../envoy/obtain-envoy.js';
import { EnvoyStartError, startEnvoy, type RunningEnvoy } from '../../envoy/start-envoy.js';
import { renderEnvoyLine } from '../../common/child-log.js';
import type { LogFormat, Logger } from '../../common/logger.js';
import { spawnExtProc, type RunningExtProc } from './spawn-ext-proc.js';
import { openAccessLogPipes } from './access-log-pipes.js';
import { addressInUseMessage, checkAddressFree, envoyBindConflict, envoyListenConflict, hostPort, isAddressInUse, type PortUser } from './address-in-use.js';
import { redactionRules } from './config-secrets.js';
import { AccumulatedRedactionRules, createLineRedactor } from '../../envoy/log-redactor.js';
import { ConfigStatusFile } from './config-status-file.js';
import { ExtProcSupervisor } from './ext-proc-supervisor.js';
import { hangupSafeStream } from './hangup-safe-stream.js';
import { AigwError } from '../../common/errors.js';
import { writePrivateFileAtomically } from '../../common/write-private-file.js';
import { pruneRunDirs } from './prune-run-dirs.js';
import { acquireRunLock, type RunLock } from './run-lock.js';
import { superviseGateway } from './supervise-gateway.js';
import { splitBootstrap, writeXdsFiles } from '../../envoy/file-xds.js';
import { compiledVersion, ConfigReloader } from './config-reloader.js';
import { waitForXdsVersion } from '../../envoy/xds-version.js';
import { validateBootstrap } from '../../envoy/validate-bootstrap.js';
import type { AigwDirs } from './aigw-dirs.js';

export interface RunGatewayOptions {
  /** The configuration file, or generated text (zero-config mode) shown under the `file` label. */
  config: { file: string; text?: string; source?: GeneratedConfigSource };
  dirs: AigwDirs;
  runId: string;
  /**
   * Where `runId` came from (`--run-id`, `AIGW_RUN_ID`): such a run id is refused while another
   * aigw runs under it. Unset when aigw generated it, and a generated one in use is replaced.
   */
  runIdOrigin?: string;
  adminPort: number;
  adminAddress: string;
  /** `--listen-address`: overrides every Gateway's addresses. */
  listenAddress?: string;
  /** `--envoy-max-heap` in bytes. */
  envoyMaxHeapBytes?: number;
  debug: boolean;
  /** `--ratelimit-redis-url`: rate-limit counters in Redis instead of the ext_proc's memory (a secret: it may hold a password). */
  rateLimitRedisUrl?: string;
  /** `--ratelimit-failure-mode-deny`: requests are refused (503) when the rate-limit counters fail. */
  rateLimitFailureModeDeny?: boolean;
  envoyPath?: string;
  envoyPathOrigin?: string;
  env: NodeJS.ProcessEnv;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** aigw's own messages; it writes to `stderr` in `logFormat`. */
  logger: Logger;
  logFormat: LogFormat;
  /** Stops a running gateway as SIGTERM would, with the reason (the launcher has gone). */
  stopWhen?: Promise<string>;
  /** Apply edits to the config file while running (watch it; SIGHUP reloads). Default true. */
  watch?: boolean;
}

/**
 * Generated text that follows files of its own (zero-config mode with `--mcp-config`): an edit to
 * one of `files` has the text generated again and reloaded, as an edit of a configuration file.
 */
export interface GeneratedConfigSource {
  files: readonly string[];
  /** The configuration generated from the files as they are now; throws with why it cannot be. */
  generate(): Promise<string>;
  /** After each reload attempt of generated text: whether it was applied (else the last applied one keeps serving). */
  settled(applied: boolean): Promise<void>;
}

/** Where one run keeps its files. */
interface RunPaths {
  /** `<state-home>/runs/<run-id>`: the bootstrap and the filter config. */
  runDir: string;
  /** `<runtime-dir>/<run-id>`: sockets, pipes, the run lock, Envoy's admin address. */
  runtimeDir: string;
  socketPath: string;
  mcpSocketPath: string;
  /** The rate-limit service (in the ext_proc process) Envoy's rate-limit filter charges response costs through. */
  rateLimitSocketPath: string;
  adminAddressFile: string;
  /** The run id these paths are named after (a generated one may have got a suffix). */
  runId: string;
}

const LISTENER: PortUser = { name: 'the Gateway listener' };
/** Envoy has read its xDS files when it is ready; this bounds the check that it accepted them. */
const XDS_START_TIMEOUT_MS = 5000;
const ADMIN_SERVER: PortUser = { name: 'the admin server', flag: '--admin-port' };
/** How many runs' directories are kept under <state-home>/runs (the current one included). */
export const KEEP_RUNS = 10;
/** A generated run id in use (two runs in the same millisecond) gets a suffix; this many tries. */
const MAX_GENERATED_RUN_IDS = 20;

/**
 * `aigw run FILE`: compile, take the run id, start the ext_proc, then Envoy; print where it
 * listens; supervise both until a signal (exit 0) or until one of them dies (exit 1 with its
 * last words).
 */
export async function runGateway(options: RunGatewayOptions): Promise<number> {
  const startedAt = Date.now();
  // The terminal may go away while aigw drains (SIGHUP): writing to it must not crash aigw.
  const stdout = hangupSafeStream(options.stdout);
  const stderr = hangupSafeStream(options.stderr);
  const { logger } = options;

  let paths = runPaths(options.dirs, options.runId);
  let compiled = await compile(options, paths, true);
  const { runId, lock } = await lockRunId(options);
  try {
    if (runId !== options.runId) {
      // The paths are compiled into the bootstrap: again with this run's (warnings were said).
      paths = runPaths(options.dirs, runId);
      compiled = await compile(options, paths, false);
    }
    // Old runs' files pile up otherwise (one directory per run id, generated ones unique).
    await pruneRunDirs(options.dirs, { keep: KEEP_RUNS, current: runId }).catch((error: unknown) => logger.debug(`pruning old run directories: ${error instanceof Error ? error.message : String(error)}`));
    return await startGateway(options, compiled, paths, { startedAt, stdout, stderr, logger });
  } finally {
    await lock.release();
    // The sockets, pipes and the admin address are of this run only: gone with it, so nothing
    // (aigw healthcheck) takes a stopped run for a running one.
    await rm(paths.runtimeDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

function runPaths(dirs: AigwDirs, runId: string): RunPaths {
  const runtimeDir = join(dirs.runtimeDir, runId);
  return {
    runDir: join(dirs.stateHome, 'runs', runId),
    runtimeDir,
    socketPath: join(runtimeDir, 'extproc.sock'),
    mcpSocketPath: join(runtimeDir, 'mcp.sock'),
    rateLimitSocketPath: join(runtimeDir, 'ratelimit.sock'),
    adminAddressFile: join(runtimeDir, 'admin-address.txt'),
    runId,
  };
}

/**
 * Takes the run id before anything of the run is written: a second aigw under the same id
 * would replace the first one's ext_proc socket, admin address file and run files, and break
 * it silently. A run id given by the user is refused while its aigw runs; a generated one (two
 * runs started in the same millisecond) moves on to `<id>_2`, `<id>_3`, ….
 */
async function lockRunId(options: RunGatewayOptions): Promise<{ runId: string; lock: RunLock }> {
  const owner = { pid: process.pid, startedAt: new Date().toISOString() };
  for (let attempt = 1; ; attempt++) {
    const runId = attempt === 1 ? options.runId : `${options.runId}_${attempt}`;
    const runtimeDir = join(options.dirs.runtimeDir, runId);
    // Private: the sockets and the pipes carry credentials. (A run id used before leaves its
    // directory behind: its mode is set again.)
    await mkdir(runtimeDir, { recursive: true, mode: 0o700 });
    await chmod(runtimeDir, 0o700);
    const attempted = await acquireRunLock(runtimeDir, owner);
    if (attempted.acquired) return { runId, lock: attempted.lock };
    if (options.runIdOrigin !== undefined || attempt >= MAX_GENERATED_RUN_IDS) {
      const holder = attempted.owner ? ` (pid ${attempted.owner.pid}, started ${attempted.owner.startedAt})` : '';
      const origin = options.runIdOrigin !== undefined ? ` (${options.runIdOrigin})` : '';
      throw new AigwError('RUN', 
        `run id ${runId}${origin} is in use by a running aigw${holder}: a second gateway under it would take over its sockets and run files. Stop that gateway first, or choose another run id`,
      );
    }
  }
}

interface RunOutput {
  startedAt: number;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  logger: Logger;
}

async function startGateway(options: RunGatewayOptions, compiled: CompiledConfig, paths: RunPaths, { startedAt, stdout, stderr, logger }: RunOutput): Promise<number> {
  // Probes for a clear message up front; two aigw started together may both pass them, and then
  // the loser learns it from Envoy's bind or the ext_proc's admin server (below).
  for (const { address, port } of listenerSockets(compiled, options.listenAddress)) await checkAddressFree(address, port, LISTENER);
  if (options.adminPort !== 0) await checkAddressFree(options.adminAddress, options.adminPort, ADMIN_SERVER);

  // Private: the filter config gives access to credentials.
  const { runDir } = paths;
  await mkdir(runDir, { recursive: true, mode: 0o700 });
  await chmod(runDir, 0o700);
  const bootstrapPath = join(runDir, 'envoy.json');
  const filterConfigPath = join(runDir, 'extproc-config.json');
  // Listeners, routes and clusters go to file-based xDS in their own directory: a new
  // configuration is applied by renaming new files into place (envoy/file-xds.ts).
  const xdsDir = join(runDir, 'xds');
  await mkdir(xdsDir, { recursive: true, mode: 0o700 });
  const version = compiledVersion(compiled);
  const split = splitBootstrap(compiled.bootstrap, xdsDir, version);
  await writeXdsFiles(xdsDir, split.files);
  for (const [path, content] of [
    [bootstrapPath, split.bootstrap],
    [filterConfigPath, compiled.filterConfig],
  ] as const) {
    await writePrivateFileAtomically(path, `${JSON.stringify(content, null, 2)}\n`);
  }

  const envoyBinary = await obtainEnvoy({
    ...(options.envoyPath ? { explicitPath: options.envoyPath } : {}),
    ...(options.envoyPathOrigin ? { explicitPathOrigin: options.envoyPathOrigin } : {}),
    dataHome: options.dirs.dataHome,
    // EnvoyProxy provider.host.envoyVersion (ENVOY_VERSION in zero-config mode) picks another release.
    version: compiled.model.envoyVersion ?? ENVOY_VERSION,
    // Progress and fallbacks of the download (envoy/download-envoy.ts prefixes its warnings).
    log: (line) => (line.startsWith('warning: ') ? logger.warn(line.slice('warning: '.length)) : logger.info(line)),
    // The raw stream: the progress bar draws only on a terminal (isTTY), which the wrapper hides.
    progress: options.stderr,
    env: options.env,
  });

  // Envoy at debug level dumps headers (keys, tokens): every child's output is redacted, and
  // so are the File access logs, which Envoy writes through aigw.
  const redaction = new AccumulatedRedactionRules(redactionRules(compiled.filterConfig, options.rateLimitRedisUrl));
  if (!compiled.filterConfig.rateLimit) {
    // Said, not ignored: a flag that changes nothing is most likely a configuration left out.
    if (options.rateLimitRedisUrl !== undefined) logger.warn('--ratelimit-redis-url (AIGW_RATELIMIT_REDIS_URL) is unused: the configuration has no BackendTrafficPolicy rateLimit.global or QuotaPolicy');
    if (options.rateLimitFailureModeDeny) logger.warn('--ratelimit-failure-mode-deny is unused: the configuration has no BackendTrafficPolicy rateLimit.global or QuotaPolicy');
  }
  const status = new ConfigStatusFile(join(runDir, 'config-status.json'), version);
  await status.write();
  const accessLogs = await openAccessLogPipes(compiled.accessLogPipes, redaction, logger);
  const startExtProc = (): Promise<RunningExtProc> =>
    spawnExtProc({
      configPath: filterConfigPath,
      socketPath: paths.socketPath,
      // Always: a reload may bring the first MCP route or rate limit (each starts only then).
      mcpSocketPath: paths.mcpSocketPath,
      rateLimitSocketPath: paths.rateLimitSocketPath,
      configStatusPath: status.path,
      adminPort: options.adminPort,
      adminHost: options.adminAddress,
      envoyAdminAddressFile: paths.adminAddressFile,
      logLevel: options.debug ? 'debug' : 'warn',
      logFormat: options.logFormat,
      stderr,
      // The Redis URL goes by environment, never on a command line others can read (ps).
      env: { ...compiled.model.extProcEnv, ...(options.rateLimitRedisUrl !== undefined ? { AIGW_RATELIMIT_REDIS_URL: options.rateLimitRedisUrl } : {}) },
      redaction,
    });
  const extProc = await startExtProc().catch(async (error: unknown) => {
    await accessLogs.close();
    // Another aigw started at the same time may have won the admin port after our probe.
    if (options.adminPort !== 0 && (await isAddressInUse(options.adminAddress, options.adminPort))) {
      throw new AigwError('RUN', addressInUseMessage(hostPort(options.adminAddress, options.adminPort), ADMIN_SERVER));
    }
    throw new AigwError('RUN', `external processor failed to start: ${error instanceof Error ? error.message : String(error)}`);
  });

  // Resources from an EnvoyProxy bootstrap merge are not the compiler's: Envoy checks them in
  // the static form first (it reads xDS files more leniently). Its output is redacted as its log
  // (a reloaded configuration's secrets are added before it is checked).
  const validate = async (bootstrap: unknown): Promise<string[] | undefined> =>
    validateBootstrap(envoyBinary.path, bootstrap, join(runDir, 'envoy-static.json'), createLineRedactor(redaction));
  if (compiled.model.bootstrapMerges.length > 0) {
    const rejection = await validate(compiled.bootstrap);
    if (rejection) {
      extProc.stop('SIGKILL');
      await accessLogs.close();
      throw new AigwError('RUN', new EnvoyStartError('Envoy rejected the configuration', rejection).message);
    }
  }

  let envoy: RunningEnvoy;
  try {
    envoy = await startEnvoy({
      binary: envoyBinary.path,
      bootstrapPath,
      adminAddressFile: paths.adminAddressFile,
      runId: paths.runId,
      logLevels: options.debug ? { ...compiled.model.logLevels, default: 'debug' } : { default: 'error', ...compiled.model.logLevels },
      stdout,
      stderr,
      ...(options.logFormat === 'json' ? { renderLine: (line: string) => renderEnvoyLine(line, 'json') } : {}),
      redaction,
    });
    // Envoy takes an xDS file it rejects as an empty one and becomes ready all the same: it must
    // serve this configuration, or aigw stops with Envoy's reason (asked of the static form).
    const started = envoy;
    await waitForXdsVersion(started.adminAddress, version, XDS_START_TIMEOUT_MS).catch(async () => {
      started.stop('SIGTERM');
      await started.exited;
      throw new EnvoyStartError('Envoy rejected the configuration', (await validate(compiled.bootstrap)) ?? []);
    });
  } catch (error) {
    extProc.stop('SIGKILL');
    await accessLogs.close();
    // Likewise a listener port: Envoy's listeners do not share ports, so the later bind fails —
    // or, when both bound before either listened, the later listen() (startEnvoy stopped that
    // Envoy, so a port still taken now is the other gateway's).
    const busy = error instanceof EnvoyStartError ? (envoyBindConflict(error.logLines) ?? (envoyListenConflict(error.logLines) ? await firstAddressInUse(listenerSockets(compiled, options.listenAddress)) : undefined)) : undefined;
    throw new AigwError('RUN', busy ? addressInUseMessage(busy, LISTENER) : error instanceof Error ? error.message : String(error));
  }

  const firstPort = compiled.model.listeners[0]?.port ?? 0;
  const seconds = Math.round((Date.now() - startedAt) / 100) / 10;
  logger.info(`Envoy AI Gateway listening on http://localhost:${firstPort} (admin http://${envoy.adminAddress}) after ${seconds}s`);
  for (const { address, port } of listenerSockets(compiled, options.listenAddress).filter((socket) => !isLoopback(socket.address))) {
    logger.warn(`Listener on ${hostPort(address, port)}: reachable from other machines, which can spend the configured provider credentials`);
  }
  logger.info(`Admin server (/metrics, /health) on http://${options.adminAddress}:${options.adminPort}; run files in ${runDir}`);
  const supervisor = new ExtProcSupervisor(extProc, startExtProc, logger);
  // A configuration file is watched: an edit (or SIGHUP) is applied without a restart.
  let reloader: ConfigReloader | undefined;
  const source = options.config.source;
  if (options.watch !== false && (options.config.text === undefined || source)) {
    reloader = new ConfigReloader({
      compile: async () => compile(options, paths, true, source ? await source.generate() : undefined),
      compiled,
      version,
      xdsDir,
      xdsFiles: split.files,
      filterConfigPath,
      envoyAdminAddress: envoy.adminAddress,
      reloadExtProc: (revision) => supervisor.reload(revision),
      validate,
      logger,
      openAccessLogs: (pipes) => accessLogs.add(pipes),
      compiledNext: (next) => redaction.add(redactionRules(next.filterConfig, options.rateLimitRedisUrl)),
      reloaded: (outcome) => {
        void (outcome.applied ? status.succeeded(outcome.version) : status.failed()).catch((error: unknown) =>
          logger.warn(`writing the configuration status for /metrics: ${error instanceof Error ? error.message : String(error)}`),
        );
        void source?.settled(outcome.applied).catch((error: unknown) => logger.warn(`stopping MCP servers no longer configured: ${error instanceof Error ? error.message : String(error)}`));
      },
    });
    const watched = source ? source.files : [options.config.file];
    reloader.watchFiles(watched.map((file) => resolve(file)));
    logger.info(`Watching ${watched.join(', ')} for changes (SIGHUP reloads too; --watch=false turns this off); configuration version ${version}`);
  }
  return superviseGateway({ envoy, extProc: supervisor, accessLogs, logger, ...(options.stopWhen ? { stopWhen: options.stopWhen } : {}), ...(reloader ? { reloader } : {}) });
}

/** `warn`: whether to show the configuration's warnings (not again on a second compile). */
async function compile(options: RunGatewayOptions, paths: RunPaths, warn: boolean, generated?: string): Promise<CompiledConfig> {
  let text = generated ?? options.config.text;
  if (text === undefined) {
    const path = resolve(options.config.file);
    try {
      text = await readConfigFile(path, options.config.file);
    } catch (error) {
      // readConfigFile's own refusals (too large, not UTF-8): one diagnostic each.
      if (error instanceof ConfigError) throw new AigwError('RUN', error.diagnostics.map(formatDiagnostic).join('\n'));
      const code = error instanceof Error && 'code' in error ? String(error.code) : '';
      throw new AigwError('RUN', code === 'ENOENT' ? `config file not found: ${path}` : `cannot read config file ${path}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  try {
    const compiled = compileConfig(text, {
      file: options.config.file,
      env: options.env,
      extProcSocketPath: paths.socketPath,
      mcpProxySocketPath: paths.mcpSocketPath,
      rateLimitSocketPath: paths.rateLimitSocketPath,
      rateLimitFailureModeDeny: options.rateLimitFailureModeDeny ?? false,
      ...(options.listenAddress !== undefined ? { listenAddress: options.listenAddress } : {}),
      ...(options.envoyMaxHeapBytes !== undefined ? { envoyMaxHeapBytes: options.envoyMaxHeapBytes } : {}),
    });
    // Warnings about a generated configuration concern aigw's own template (it mirrors upstream's,
    // including fields Kubernetes prunes), not anything the user can change: debug only.
    const generated = options.config.text !== undefined;
    // `aigw: warning: file:line:col: …`: the severity moves to the front, as on every aigw line.
    if (warn && (!generated || options.debug)) for (const warning of compiled.warnings) options.logger.warn(formatDiagnostic(warning).replace(': warning: ', ': '));
    return compiled;
  } catch (error) {
    if (error instanceof ConfigError) throw new AigwError('RUN', `invalid configuration:\n${error.diagnostics.map(formatDiagnostic).join('\n')}`);
    throw error;
  }
}

/** Where each listener binds: --listen-address, else its Gateway's addresses, else loopback (as the bootstrap). */
/** The first of `sockets` another process holds, as `host:port`. */
async function firstAddressInUse(sockets: readonly { address: string; port: number }[]): Promise<string | undefined> {
  for (const { address, port } of sockets) if (await isAddressInUse(address, port)) return hostPort(address, port);
  return undefined;
}

function listenerSockets(compiled: CompiledConfig, listenAddress: string | undefined): { address: string; port: number }[] {
  return compiled.model.listeners.flatMap((listener) => {
    const addresses = listenAddress !== undefined ? [listenAddress] : listener.addresses.length > 0 ? listener.addresses : [DEFAULT_LISTEN_ADDRESS];
    return addresses.map((address) => ({ address, port: listener.port }));
  });
}

function isLoopback(address: string): boolean {
  return address === '::1' || address.startsWith('127.');
}
