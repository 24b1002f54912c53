#!/usr/bin/env node
/**
 * The `aigw` command line: `run`, `validate`, `translate`, `healthcheck`, `download-envoy`,
 * `version`, `completion`, `help`. Usage errors (unknown command or flag, bad or missing
 * argument) exit 80 in every command, runtime errors 1, as upstream aigw. Expected failures
 * print one clear message, never a stack trace. Every line aigw writes to stderr goes through
 * one logger (extproc/logger.ts) in the `--log-format`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ENVOY_VERSION } from '../envoy/envoy-version.js';
import { downloadEnvoy } from '../envoy/download-envoy.js';
import { autoconfigYaml } from '../compiler/autoconfig/autoconfig-yaml.js';
import { AutoconfigError } from '../compiler/autoconfig/autoconfig-error.js';
import { awsCredentialsAvailable } from '../compiler/autoconfig/aws-credentials-available.js';
import { defaultMultiBackendYaml } from '../compiler/autoconfig/default-multi-backend-yaml.js';
import { parseQuantity } from '../compiler/quantities.js';
import type { McpServersConfig } from '../mcp/mcp-servers-config.js';
import { parseMcpServersJson } from '../compiler/autoconfig/parse-mcp-servers-json.js';
import { createLogger, isLogFormat, type LogFormat, type Logger } from '../common/logger.js';
import { proxyStdioMcpServers, StdioProxyError, type ProxiedMcpServers } from '../mcp/stdio/stdio-proxy-servers.js';
import { defaultRunId, expandPath, resolveDirs, type AigwDirs } from './gateway/aigw-dirs.js';
import { COMMANDS, GLOBAL_OPTIONS, HEALTHCHECK_OPTIONS, RUN_OPTIONS, TOP_LEVEL_FLAGS, TRANSLATE_OPTIONS, VALIDATE_OPTIONS, VERSION_OPTIONS } from './cli/command-options.js';
import { completionScript, SHELLS, type Shell } from './cli/completion-script.js';
import { healthcheck } from './commands/healthcheck.js';
import { COMPLETION_HELP, DOWNLOAD_HELP, HEALTHCHECK_HELP, HELP_HELP, MAIN_HELP, RUN_HELP, TRANSLATE_HELP, VALIDATE_HELP, VERSION_HELP } from './cli/help-text.js';
import { watchParent } from './gateway/parent-watch.js';
import { RunError, runGateway } from './gateway/run-gateway.js';
import { translateConfig } from './commands/translate-config.js';
import { validateConfigs } from './commands/validate-configs.js';
import { EnvValueError, EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, UsageError } from './cli/usage-error.js';

const HELP: Record<string, string> = {
  version: VERSION_HELP,
  run: RUN_HELP,
  validate: VALIDATE_HELP,
  translate: TRANSLATE_HELP,
  healthcheck: HEALTHCHECK_HELP,
  'download-envoy': DOWNLOAD_HELP,
  completion: COMPLETION_HELP,
  help: HELP_HELP,
};

/** String-valued flags that may come before the command: their value is not the command. */
const VALUE_FLAGS = new Set(Object.entries(GLOBAL_OPTIONS).flatMap(([name, option]) => (option.type === 'string' ? [`--${name}`] : [])));

/** The first word that is neither a flag nor a flag's value, and the other arguments. */
export function splitCommand(argv: readonly string[]): { command: string | undefined; rest: string[] } {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') break;
    if (arg.startsWith('-')) {
      if (VALUE_FLAGS.has(arg)) i++;
      continue;
    }
    return { command: arg, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
  }
  return { command: undefined, rest: [...argv] };
}

/**
 * `--log-format` / AIGW_LOG_FORMAT, read before the arguments are parsed so that even a usage
 * error comes out in the chosen format. An invalid value is itself reported in text.
 */
function logFormatOf(argv: readonly string[], env: NodeJS.ProcessEnv): LogFormat {
  let value: string | undefined;
  let origin = '--log-format';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') break;
    if (arg === '--log-format') value = argv[++i];
    else if (arg.startsWith('--log-format=')) value = arg.slice('--log-format='.length);
  }
  if (value === undefined && (env.AIGW_LOG_FORMAT ?? '') !== '') {
    value = env.AIGW_LOG_FORMAT;
    origin = 'AIGW_LOG_FORMAT';
  }
  if (value === undefined) return 'text';
  if (isLogFormat(value)) return value;
  const message = `${origin}: expected text or json but got ${JSON.stringify(value)}`;
  // As for AIGW_DEBUG: a bad variable is not a bad command line (exit 1, as upstream).
  throw origin === 'AIGW_LOG_FORMAT' ? new EnvValueError(message) : new UsageError(message);
}

let logFormat: LogFormat = 'text';
let logger: Logger = createLogger({ format: logFormat });

async function main(argv: string[]): Promise<number> {
  logFormat = logFormatOf(argv, process.env);
  logger = createLogger({ format: logFormat });
  const { command, rest } = splitCommand(argv);
  switch (command) {
    case undefined:
      return topLevel(rest);
    case 'help':
      return helpCommand(rest);
    case 'version':
      return versionCommand(rest);
    case 'completion':
      return completionCommand(rest);
    case 'download-envoy':
      return downloadEnvoyCommand(rest);
    case 'run':
      return runCommand(rest);
    case 'translate':
      return translateCommand(rest);
    case 'validate':
      return validateCommand(rest);
    case 'healthcheck':
      return healthcheckCommand(rest);
    default:
      throw new UsageError(`unexpected argument ${command} (commands: ${COMMANDS.map((spec) => spec.name).join(', ')})`);
  }
}

/** `aigw`, `aigw --help`, `aigw --version`: no command. */
function topLevel(args: string[]): number {
  const { values } = parse(args, { ...GLOBAL_OPTIONS, version: { type: 'boolean' } });
  if (values.help) {
    process.stdout.write(MAIN_HELP);
    return EXIT_OK;
  }
  if (values.version) {
    process.stdout.write(versionText('text'));
    return EXIT_OK;
  }
  // No command is a usage error (as upstream), with the usage to say what is expected (not in
  // json mode, where stderr carries only JSON lines).
  if (logFormat === 'text') process.stderr.write(MAIN_HELP);
  throw new UsageError(`expected a command: one of ${COMMANDS.map((spec) => spec.name).join(', ')}`);
}

function helpCommand(args: string[]): number {
  const { positionals } = parse(args, GLOBAL_OPTIONS);
  if (positionals.length > 1) throw new UsageError(`help: expected at most one command, got ${positionals.length}`);
  const topic = positionals[0];
  if (topic === undefined) {
    process.stdout.write(MAIN_HELP);
    return EXIT_OK;
  }
  const text = HELP[topic];
  if (text === undefined) throw new UsageError(`help: unknown command ${topic} (commands: ${COMMANDS.map((spec) => spec.name).join(', ')})`);
  process.stdout.write(text);
  return EXIT_OK;
}

function versionCommand(args: string[]): number {
  const { values, positionals } = parse(args, VERSION_OPTIONS);
  if (values.help) {
    process.stdout.write(VERSION_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`version: unexpected argument ${positionals[0] ?? ''}`);
  const output = values.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new UsageError(`--output: expected text or json but got ${JSON.stringify(output)}`);
  process.stdout.write(versionText(output));
  return EXIT_OK;
}

function versionText(output: 'text' | 'json'): string {
  const versions = { aigw: packageVersion(), envoy: ENVOY_VERSION };
  // The first line is upstream's, which scripts parse.
  return output === 'json' ? `${JSON.stringify(versions)}\n` : `Envoy AI Gateway CLI: ${versions.aigw}\nEnvoy: ${versions.envoy}\n`;
}

function completionCommand(args: string[]): number {
  const { values, positionals } = parse(args, { help: GLOBAL_OPTIONS.help, 'log-format': GLOBAL_OPTIONS['log-format'] });
  if (values.help) {
    process.stdout.write(COMPLETION_HELP);
    return EXIT_OK;
  }
  const shell = positionals[0];
  if (positionals.length !== 1 || shell === undefined || !isShell(shell)) {
    throw new UsageError(`completion: expected one shell, ${SHELLS.join(', ')}${shell === undefined ? '' : `, but got ${positionals.join(' ')}`}`);
  }
  process.stdout.write(completionScript(shell, COMMANDS, TOP_LEVEL_FLAGS));
  return EXIT_OK;
}

function isShell(name: string): name is Shell {
  return (SHELLS as readonly string[]).includes(name);
}

async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, RUN_OPTIONS);
  if (values.help) {
    process.stdout.write(RUN_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 1) throw new UsageError(`run: expected one config file, got ${positionals.length}`);
  if (values['show-default']) return showDefault(positionals, values);
  // From the start: the launcher may go away while Envoy is being downloaded or started.
  const parent = watchParent();
  const dirs = resolveDirs(dirFlags(values), process.env);
  const adminPort = Number(values['admin-port'] ?? '1064');
  if (!Number.isInteger(adminPort) || adminPort < 0 || adminPort > 65535) {
    throw new UsageError(`--admin-port: expected a port number but got ${JSON.stringify(values['admin-port'])}`);
  }
  const listenAddress = values['listen-address'] ?? process.env.AIGW_LISTEN_ADDRESS;
  if (listenAddress !== undefined && isIP(listenAddress) === 0) {
    throw new UsageError(`--listen-address: expected an IPv4 or IPv6 address (such as 127.0.0.1 or 0.0.0.0) but got ${JSON.stringify(listenAddress)}`);
  }
  const maxHeapText = values['envoy-max-heap'] ?? process.env.AIGW_ENVOY_MAX_HEAP;
  const envoyMaxHeapBytes = maxHeapText === undefined ? undefined : parseQuantity(maxHeapText);
  if (maxHeapText !== undefined && (envoyMaxHeapBytes === undefined || envoyMaxHeapBytes < 64 * 1024 * 1024)) {
    throw new UsageError(`--envoy-max-heap: expected a quantity of at least 64Mi (such as 512Mi or 2Gi) but got ${JSON.stringify(maxHeapText)}`);
  }
  const debug = values.debug ?? parseBoolEnv('AIGW_DEBUG');
  const runLogger = createLogger({ level: debug ? 'debug' : 'info', format: logFormat });
  const mcpServers = await readMcpServers(values['mcp-config'], values['mcp-json']);
  let configPath = positionals[0];
  if (configPath === undefined) {
    const fallback = join(dirs.configHome, 'config.yaml');
    if (existsSync(fallback)) configPath = fallback;
  }

  // Upstream starts stdio MCP servers before reading the config, even when a file is given (§4.5).
  const stdio = await startStdioMcpServers(mcpServers, runLogger, debug);
  try {
    let config: { file: string; text?: string };
    if (configPath !== undefined) {
      if (mcpServers) runLogger.warn('--mcp-config/--mcp-json are ignored when a config file is given (add MCPRoutes to the file instead)');
      config = { file: configPath };
    } else {
      const generated = generateConfig(process.env, stdio?.config ?? mcpServers, debug);
      for (const note of generated.notes) runLogger.info(note);
      config = { file: '<generated config>', text: generated.yaml };
    }
    const envoyPath = values['envoy-path'] ?? process.env.AIGW_ENVOY_PATH;
    return await runGateway({
      config,
      dirs,
      runId: values['run-id'] ?? process.env.AIGW_RUN_ID ?? defaultRunId(),
      ...(values['run-id'] !== undefined ? { runIdOrigin: '--run-id' } : process.env.AIGW_RUN_ID !== undefined ? { runIdOrigin: 'AIGW_RUN_ID' } : {}),
      adminPort,
      adminAddress: values['admin-address'] ?? '127.0.0.1',
      ...(listenAddress !== undefined ? { listenAddress } : {}),
      ...(envoyMaxHeapBytes !== undefined ? { envoyMaxHeapBytes } : {}),
      debug,
      ...(envoyPath ? { envoyPath, envoyPathOrigin: values['envoy-path'] ? '--envoy-path' : 'AIGW_ENVOY_PATH' } : {}),
      env: process.env,
      stdout: process.stdout,
      stderr: process.stderr,
      logger: runLogger,
      logFormat,
      stopWhen: parent.gone.then((pid) => `because the process that started aigw (pid ${pid}) has exited`),
    });
  } finally {
    parent.stop();
    await stdio?.close();
  }
}

/**
 * `aigw run --show-default`: the whole built-in default (seed 001), every backend, with `${VAR}`
 * placeholders, the same bytes on every machine: a starting point to save, edit and run. What
 * `aigw run` without a file would run here depends on the variables set; the start-up messages
 * say that.
 */
function showDefault(positionals: string[], values: { 'mcp-config'?: string | undefined; 'mcp-json'?: string | undefined }): number {
  if (positionals.length > 0) throw new UsageError('run: --show-default prints the built-in default configuration; it takes no config file');
  if (values['mcp-config'] !== undefined || values['mcp-json'] !== undefined) throw new UsageError('run: --show-default prints the built-in default configuration; it takes no --mcp-config or --mcp-json');
  process.stdout.write(defaultMultiBackendYaml({}, { awsCredentials: true, all: true }).yaml);
  return EXIT_OK;
}

/**
 * Zero-config mode: from the OpenAI SDK / Anthropic variables (or MCP servers) as upstream aigw
 * does; with none of them, the built-in default with several local and hosted backends.
 */
function generateConfig(env: NodeJS.ProcessEnv, mcpServers: McpServersConfig | undefined, debug: boolean): { yaml: string; notes: string[] } {
  const providerSet = ['OPENAI_API_KEY', 'AZURE_OPENAI_API_KEY', 'ANTHROPIC_API_KEY'].some((name) => (env[name] ?? '') !== '');
  try {
    return providerSet || mcpServers ? autoconfigYaml({ env, debug, ...(mcpServers ? { mcpServers } : {}) }) : defaultMultiBackendYaml(env, { awsCredentials: awsCredentialsAvailable(env) });
  } catch (error) {
    if (error instanceof AutoconfigError) throw new RunError(error.message);
    throw error;
  }
}

/** stdio MCP servers behind local Streamable HTTP endpoints (upstream stdio2http, spec/cli.md §4.5). */
async function startStdioMcpServers(mcpServers: McpServersConfig | undefined, runLogger: Logger, debug: boolean): Promise<ProxiedMcpServers | undefined> {
  if (!mcpServers || !Object.values(mcpServers.mcpServers).some((server) => (server.command ?? '') !== '')) return undefined;
  try {
    return await proxyStdioMcpServers(mcpServers, {
      logger: debug ? runLogger : createLogger({ level: 'warn', format: logFormat }),
      notice: (message) => runLogger.info(message),
      env: process.env,
    });
  } catch (error) {
    if (error instanceof StdioProxyError) throw new RunError(error.message);
    throw error;
  }
}

async function readMcpServers(configFile: string | undefined, json: string | undefined): Promise<McpServersConfig | undefined> {
  if (configFile !== undefined && json !== undefined) throw new UsageError('run: mcp-config and mcp-json are mutually exclusive');
  try {
    if (configFile !== undefined) {
      const path = expandPath(configFile, process.env.HOME ?? '');
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        throw new UsageError(`run: failed to read MCP config file: ${error instanceof Error ? error.message : String(error)}`);
      }
      return parseMcpServersJson(text, configFile);
    }
    return json === undefined ? undefined : parseMcpServersJson(json, '--mcp-json');
  } catch (error) {
    if (error instanceof AutoconfigError) throw new UsageError(`run: ${error.message}`);
    throw error;
  }
}

async function validateCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, VALIDATE_OPTIONS);
  if (values.help) {
    process.stdout.write(VALIDATE_HELP);
    return EXIT_OK;
  }
  const output = values.output ?? 'text';
  if (output !== 'text' && output !== 'json') throw new UsageError(`--output: expected text or json but got ${JSON.stringify(output)}`);
  return validateConfigs({ inputs: positionals, output, strict: values.strict ?? false, env: process.env, readStdin, stdout: process.stdout });
}

async function healthcheckCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, HEALTHCHECK_OPTIONS);
  if (values.help) {
    process.stdout.write(HEALTHCHECK_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`healthcheck: unexpected argument ${positionals[0] ?? ''}`);
  const runId = values['run-id'] ?? process.env.AIGW_RUN_ID;
  return healthcheck({ dirs: resolveDirs(dirFlags(values), process.env), ...(runId ? { runId } : {}), logger });
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

async function translateCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, TRANSLATE_OPTIONS);
  if (values.help) {
    process.stdout.write(TRANSLATE_HELP);
    return EXIT_OK;
  }
  if (positionals.length === 0) throw new UsageError('translate: a config file path is required');
  const output = values.output ?? 'yaml';
  if (output !== 'yaml' && output !== 'json') throw new UsageError(`--output: expected yaml or json but got ${JSON.stringify(output)}`);
  return translateConfig({ configPaths: positionals, output, showSecrets: values['show-secrets'] ?? false, env: process.env, stdout: process.stdout, stderr: process.stderr });
}

async function downloadEnvoyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, GLOBAL_OPTIONS);
  if (values.help) {
    process.stdout.write(DOWNLOAD_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`download-envoy: unexpected argument ${positionals[0] ?? ''}`);
  const dirs = resolveDirs(dirFlags(values), process.env);
  await downloadEnvoy({
    dataHome: dirs.dataHome,
    version: ENVOY_VERSION,
    log: (line) => (line.startsWith('warning: ') ? logger.warn(line.slice('warning: '.length)) : logger.info(line)),
    out: (line) => void process.stdout.write(`${line}\n`),
    progress: process.stderr,
    env: process.env,
  });
  return EXIT_OK;
}

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    // node's messages ("Unknown option '--nope'") become upstream's one-line form.
    const message = error instanceof Error ? error.message : String(error);
    const unknown = /Unknown option '([^']+)'/.exec(message);
    throw new UsageError(unknown ? `unknown flag ${unknown[1] ?? ''}` : message);
  }
}

function dirFlags(values: { 'config-home'?: string | undefined; 'data-home'?: string | undefined; 'state-home'?: string | undefined; 'runtime-dir'?: string | undefined }): Partial<AigwDirs> {
  return { configHome: values['config-home'], dataHome: values['data-home'], stateHome: values['state-home'], runtimeDir: values['runtime-dir'] };
}

function parseBoolEnv(name: string): boolean {
  const value = process.env[name];
  if (value === undefined || value === '') return false;
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  throw new EnvValueError(`--debug: bool value must be true, 1, yes, false, 0 or no but got ${JSON.stringify(value)} (from envar ${name}=${JSON.stringify(value)})`);
}

function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const match = /"version"\s*:\s*"([^"]+)"/.exec(text);
  return match?.[1] ?? 'dev';
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      logger.error(error.message);
      process.exitCode = EXIT_USAGE;
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    logger.error(message);
    if (!(error instanceof EnvValueError) && process.env.AIGW_DEBUG === 'true' && error instanceof Error && error.stack) logger.debug(error.stack);
    process.exitCode = EXIT_RUNTIME;
  },
);
