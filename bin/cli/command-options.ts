/**
 * The commands and their flags: the parser's option tables (node:util parseArgs) and, from the
 * same tables, what help and shell completion list (completion-script.ts).
 */
import type { ParseArgsConfig } from 'node:util';
import type { CommandSpec, FlagSpec } from './completion-script.js';
import { SHELLS } from './completion-script.js';

export const GLOBAL_OPTIONS = {
  help: { type: 'boolean', short: 'h' },
  'config-home': { type: 'string' },
  'data-home': { type: 'string' },
  'state-home': { type: 'string' },
  'runtime-dir': { type: 'string' },
  'log-format': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export const RUN_OPTIONS = {
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
  'ratelimit-redis-url': { type: 'string' },
  'ratelimit-failure-mode-deny': { type: 'boolean' },
  // `--watch=false` (upstream's Kong style): a value, with `--watch` alone meaning true (run.ts).
  watch: { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export const VALIDATE_OPTIONS = {
  ...GLOBAL_OPTIONS,
  output: { type: 'string', short: 'o' },
  strict: { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

export const TRANSLATE_OPTIONS = {
  ...GLOBAL_OPTIONS,
  output: { type: 'string', short: 'o' },
  'show-secrets': { type: 'boolean' },
} as const satisfies ParseArgsConfig['options'];

export const HEALTHCHECK_OPTIONS = {
  ...GLOBAL_OPTIONS,
  'run-id': { type: 'string' },
} as const satisfies ParseArgsConfig['options'];

export const VERSION_OPTIONS = {
  ...GLOBAL_OPTIONS,
  output: { type: 'string', short: 'o' },
} as const satisfies ParseArgsConfig['options'];

export const LOG_FORMATS = ['text', 'json'] as const;

type Options = NonNullable<ParseArgsConfig['options']>;

/** One line per flag, for completion (help has its own, longer, text). */
const FLAG_SUMMARIES: Record<string, string> = {
  help: 'Show help',
  'config-home': 'Configuration files directory ($AIGW_CONFIG_HOME)',
  'data-home': 'Downloaded Envoy binaries directory ($AIGW_DATA_HOME)',
  'state-home': 'Persistent state and logs directory ($AIGW_STATE_HOME)',
  'runtime-dir': 'Ephemeral runtime files directory ($AIGW_RUNTIME_DIR)',
  'log-format': 'Format of aigw log lines: text or json ($AIGW_LOG_FORMAT)',
  debug: 'Enable debug logging ($AIGW_DEBUG)',
  'admin-port': 'HTTP port of the admin server (/metrics, /health)',
  'admin-address': 'Address the admin server binds to',
  'run-id': 'Run identifier ($AIGW_RUN_ID)',
  'envoy-path': 'Envoy binary to use ($AIGW_ENVOY_PATH)',
  'listen-address': 'Address every Gateway listener binds ($AIGW_LISTEN_ADDRESS)',
  'envoy-max-heap': "Envoy's memory limit ($AIGW_ENVOY_MAX_HEAP)",
  'show-default': 'Print the built-in default configuration and exit',
  'mcp-config': 'Path to an MCP servers configuration file',
  'mcp-json': 'MCP servers configuration as JSON',
  'ratelimit-redis-url': 'Redis for rate-limit counters shared by several gateways ($AIGW_RATELIMIT_REDIS_URL)',
  'ratelimit-failure-mode-deny': 'Refuse requests (503) when the rate-limit counters are unreachable ($AIGW_RATELIMIT_FAILURE_MODE_DENY)',
  watch: 'Apply edits to the config file while running; SIGHUP reloads too (true or false, default true)',
  output: 'Output format',
  strict: 'Treat warnings as errors',
  'show-secrets': 'Print credentials instead of <redacted>',
};

const PATH_FLAGS = new Set(['config-home', 'data-home', 'state-home', 'runtime-dir', 'envoy-path', 'mcp-config']);

export function flagSpecs(options: Options, choices: Record<string, readonly string[]> = {}): FlagSpec[] {
  return Object.entries(options).map(([name, option]) => ({
    name,
    ...(option.short ? { short: option.short } : {}),
    takesValue: option.type === 'string',
    ...(choices[name] ? { choices: choices[name] } : name === 'log-format' ? { choices: LOG_FORMATS } : {}),
    ...(PATH_FLAGS.has(name) ? { path: true } : {}),
    summary: FLAG_SUMMARIES[name] ?? name,
  }));
}

/** Every command, in the order help lists them. */
export const COMMANDS: readonly CommandSpec[] = [
  { name: 'version', summary: 'Show the aigw and Envoy versions', flags: flagSpecs(VERSION_OPTIONS, { output: ['text', 'json'] }), args: 'none' },
  { name: 'run', summary: 'Run the AI Gateway locally for given configuration', flags: flagSpecs(RUN_OPTIONS, { watch: ['true', 'false'] }), args: 'paths' },
  { name: 'validate', summary: 'Check configuration files as the Kubernetes API server would, and more', flags: flagSpecs(VALIDATE_OPTIONS, { output: ['text', 'json'] }), args: 'paths' },
  { name: 'translate', summary: 'Print the Envoy configuration and ext_proc config run would use', flags: flagSpecs(TRANSLATE_OPTIONS, { output: ['yaml', 'json'] }), args: 'paths' },
  { name: 'healthcheck', summary: 'Exit 0 when the running gateway is ready', flags: flagSpecs(HEALTHCHECK_OPTIONS), args: 'none' },
  { name: 'download-envoy', summary: 'Download the Envoy binary of the pinned version', flags: flagSpecs(GLOBAL_OPTIONS), args: 'none' },
  { name: 'completion', summary: 'Print a shell completion script', flags: flagSpecs({ help: GLOBAL_OPTIONS.help }), args: SHELLS },
  { name: 'help', summary: 'Show help for aigw or a command', flags: [], args: ['version', 'run', 'validate', 'translate', 'healthcheck', 'download-envoy', 'completion'] },
];

/** What may precede the command (`aigw --log-format json run …`, `aigw --version`). */
export const TOP_LEVEL_FLAGS: readonly FlagSpec[] = [...flagSpecs(GLOBAL_OPTIONS), { name: 'version', takesValue: false, summary: 'Show the aigw and Envoy versions' }];
