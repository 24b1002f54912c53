import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { autoconfigYaml } from '../../compiler/autoconfig/autoconfig-yaml.js';
import { awsCredentialsAvailable } from '../../compiler/autoconfig/aws-credentials-available.js';
import { defaultMultiBackendYaml } from '../../compiler/autoconfig/default-multi-backend-yaml.js';
import { parseMcpServersJson } from '../../compiler/autoconfig/parse-mcp-servers-json.js';
import { parseQuantity } from '../../compiler/quantities.js';
import { createLogger } from '../../common/logger.js';
import { redactRedisUrl } from '../../common/redact-redis-url.js';
import type { McpServersConfig } from '../../mcp/mcp-servers-config.js';
import { StdioMcpServers } from '../gateway/stdio-mcp-servers.js';
import { RUN_OPTIONS } from '../cli/command-options.js';
import { dirFlags } from '../cli/dir-flags.js';
import { RUN_HELP } from '../cli/help-text.js';
import { parseCommandArgs } from '../cli/parse-command-args.js';
import { AigwError, EXIT_OK, isAigwError, UsageError } from '../../common/errors.js';
import { defaultRunId, expandPath, resolveDirs } from '../gateway/aigw-dirs.js';
import { watchParent } from '../gateway/parent-watch.js';
import { runGateway, type GeneratedConfigSource, type RunGatewayOptions } from '../gateway/run-gateway.js';
import type { CommandContext } from './command-context.js';

/**
 * `aigw run [<config.yaml>]`: checks the flags, picks the configuration (the file, else
 * `<config-home>/config.yaml`, else one generated from the environment), starts any stdio MCP
 * servers, and hands over to runGateway, which serves until stopped.
 */
export async function runCommand(args: string[], { logFormat }: CommandContext): Promise<number> {
  // `--watch` alone means `--watch=true` (the flag takes a value so that `--watch=false` parses).
  const { values, positionals } = parseCommandArgs(args.map((arg) => (arg === '--watch' ? '--watch=true' : arg)), RUN_OPTIONS);
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
  const debug = values.debug ?? parseBoolEnv('AIGW_DEBUG', '--debug');
  const rateLimitRedisUrl = parseRedisUrl(values['ratelimit-redis-url'], process.env.AIGW_RATELIMIT_REDIS_URL);
  const rateLimitFailureModeDeny = values['ratelimit-failure-mode-deny'] ?? parseBoolEnv('AIGW_RATELIMIT_FAILURE_MODE_DENY', '--ratelimit-failure-mode-deny');
  const watchText = values.watch ?? 'true';
  if (watchText !== 'true' && watchText !== 'false') throw new UsageError(`--watch: expected true or false but got ${JSON.stringify(watchText)}`);
  const runLogger = createLogger({ level: debug ? 'debug' : 'info', format: logFormat });
  const mcpServers = await readMcpServers(values['mcp-config'], values['mcp-json']);
  let configPath = positionals[0];
  if (configPath === undefined) {
    const fallback = join(dirs.configHome, 'config.yaml');
    if (existsSync(fallback)) configPath = fallback;
  }

  // Upstream starts stdio MCP servers before reading the config, even when a file is given.
  const stdio = new StdioMcpServers({
    logger: debug ? runLogger : createLogger({ level: 'warn', format: logFormat }),
    notice: (message) => runLogger.info(message),
    env: process.env,
  });
  try {
    let bridged = mcpServers ? await bridgeStdio(stdio, mcpServers) : undefined;
    let config: RunGatewayOptions['config'];
    if (configPath !== undefined) {
      if (mcpServers) runLogger.warn('--mcp-config/--mcp-json are ignored when a config file is given (add MCPRoutes to the file instead)');
      config = { file: configPath };
    } else {
      const generated = generateConfig(process.env, bridged, debug);
      for (const note of generated.notes) runLogger.info(note);
      const mcpConfigFile = values['mcp-config'];
      // An edit of --mcp-config is applied as an edit of a configuration file would be: the
      // configuration is generated again (stdio servers whose command is unchanged keep running).
      let tried = bridged;
      const source: GeneratedConfigSource | undefined =
        mcpConfigFile === undefined
          ? undefined
          : {
              files: [expandPath(mcpConfigFile, process.env.HOME ?? '')],
              generate: async () => {
                const servers = await readMcpServers(mcpConfigFile, undefined);
                tried = servers ? await bridgeStdio(stdio, servers) : undefined;
                return generateConfig(process.env, tried, debug).yaml;
              },
              settled: async (applied) => {
                if (applied) bridged = tried;
                await stdio.prune(bridged ?? { mcpServers: {} });
              },
            };
      config = { file: '<generated config>', text: generated.yaml, ...(source ? { source } : {}) };
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
      ...(rateLimitRedisUrl !== undefined ? { rateLimitRedisUrl } : {}),
      rateLimitFailureModeDeny,
      ...(envoyPath ? { envoyPath, envoyPathOrigin: values['envoy-path'] ? '--envoy-path' : 'AIGW_ENVOY_PATH' } : {}),
      env: process.env,
      stdout: process.stdout,
      stderr: process.stderr,
      logger: runLogger,
      logFormat,
      watch: watchText === 'true',
      stopWhen: parent.gone.then((pid) => `because the process that started aigw (pid ${pid}) has exited`),
    });
  } finally {
    parent.stop();
    await stdio.close();
  }
}

/**
 * `aigw run --show-default`: the whole built-in default (every backend: OpenAI, Tetrate Agent
 * Router Service, AWS Bedrock, Ollama), with `${VAR}` placeholders, the same bytes on every
 * machine: a starting point to save, edit and run. What `aigw run` without a file would run here
 * depends on the variables set; the start-up messages say that.
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
    if (isAigwError(error, 'CONFIG')) throw new AigwError('RUN', error.message);
    throw error;
  }
}

/**
 * stdio MCP servers (`command` entries of --mcp-config / --mcp-json) behind local Streamable HTTP
 * endpoints, as upstream aigw bridges them, so the generated MCPRoutes can reach them over HTTP.
 */
async function bridgeStdio(stdio: StdioMcpServers, servers: McpServersConfig): Promise<McpServersConfig> {
  try {
    return await stdio.bridge(servers);
  } catch (error) {
    // proxyStdioMcpServers' own failure (a server that did not start), upstream's message as is.
    if (isAigwError(error, 'MCP')) throw new AigwError('RUN', error.message);
    throw error;
  }
}

/** `--mcp-config <file>` or `--mcp-json <text>`: the MCP servers to route, in the `mcpServers` JSON form. */
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
    if (isAigwError(error, 'CONFIG')) throw new UsageError(`run: ${error.message}`);
    throw error;
  }
}

/** AIGW_DEBUG, in the forms upstream's flag library accepts; anything else is exit 1, not 80. */
function parseBoolEnv(name: string, flag: string): boolean {
  const value = process.env[name];
  if (value === undefined || value === '') return false;
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  throw new AigwError('ENV', `${flag}: bool value must be true, 1, yes, false, 0 or no but got ${JSON.stringify(value)} (from envar ${name}=${JSON.stringify(value)})`);
}

/**
 * `--ratelimit-redis-url` (else AIGW_RATELIMIT_REDIS_URL): where rate-limit counters live so
 * several gateways share one budget. Checked here, quoted without its password (it is a secret).
 */
function parseRedisUrl(flag: string | undefined, variable: string | undefined): string | undefined {
  const text = flag ?? (variable === '' ? undefined : variable);
  if (text === undefined) return undefined;
  const origin = flag !== undefined ? '--ratelimit-redis-url' : 'AIGW_RATELIMIT_REDIS_URL';
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '') {
    throw new UsageError(`${origin}: expected redis://[user:password@]host[:port][/db] or rediss://… but got ${JSON.stringify(redactRedisUrl(text))}`);
  }
  if (url.pathname !== '' && url.pathname !== '/' && !/^\/\d+$/.test(url.pathname)) throw new UsageError(`${origin}: the path of ${JSON.stringify(redactRedisUrl(text))} must be a database number such as /0`);
  return text;
}
