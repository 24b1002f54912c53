#!/usr/bin/env node
/**
 * The ext_proc process: `node extproc/main.js --config <file> --socket <path> --admin-port <n>`.
 * `aigw run` starts it before Envoy and supervises it; it can also be run alone for debugging.
 * `--log-format` (text or json, default `AIGW_LOG_FORMAT`, else text): aigw always asks for json
 * and renders the lines itself (common/child-log.ts). `--ratelimit-socket <path>` (required when
 * the config has rate limits): where Envoy's rate-limit filter reaches the rate-limit service
 * (`ratelimit/`), served by this process once a configuration has rate limits. `--config-status
 * <path>`: aigw's configuration status file, for the `aigw_config_*` metrics. SIGHUP loads the
 * config file again (aigw's hot reload).
 */
import { chmod, readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startAdminServer } from './server/admin-server.js';
import { startExtProcServer } from './server/ext-proc-server.js';
import { createLogger, formatLogLine, isLogFormat, isLogLevel, type LogFormat, type Logger } from '../common/logger.js';
import { configuredModelNames } from './telemetry/metrics/configured-model-names.js';
import { GenAIMetrics } from './telemetry/metrics/genai-metrics.js';
import { logHeaderAttributes, metricsHeaderAttributes, spanHeaderAttributes, type HeaderAttribute } from './telemetry/metrics/header-attributes.js';
import { labelLimitsFromEnv, type LabelLimits } from './telemetry/metrics/label-limits.js';
import type { McpConfig } from '../contract/mcp-config.js';
import type { McpProxyHandle } from '../mcp/proxy/mcp-proxy-server.js';
import { parseFilterConfig } from '../contract/parse-filter-config.js';
import type { RequestTracer } from './telemetry/tracing/request-tracer.js';
import { READY_LINE, RELOADED_LINE, RELOAD_FAILED_LINE } from './server/ready-line.js';
import { configRevision } from '../contract/config-revision.js';
import type { FilterConfig } from '../contract/filter-config.js';
import { configuredCredentialHeaders, isCredentialHeader } from './request/sensitive-headers.js';
import { buildRuntimeConfig, type RuntimeConfig } from './server/runtime-config.js';
import { hasCelCosts, type CelCostCompiler } from './usage/costs.js';
import { registerConfigStatusMetrics } from './telemetry/metrics/config-status-metrics.js';
import type { RunningRateLimitService } from '../ratelimit/start-rate-limit-service.js';
import { AigwError, exitCodeFor, UsageError } from '../common/errors.js';


async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      socket: { type: 'string' },
      'mcp-socket': { type: 'string' },
      'ratelimit-socket': { type: 'string' },
      'admin-port': { type: 'string', default: '1064' },
      'admin-host': { type: 'string', default: '127.0.0.1' },
      'envoy-admin-address-file': { type: 'string' },
      'config-status': { type: 'string' },
      'log-level': { type: 'string', default: 'warn' },
      'log-format': { type: 'string' },
    },
    strict: true,
  });
  if (!values.config || !values.socket) throw new UsageError('--config and --socket are required');
  const level = values['log-level'];
  if (!isLogLevel(level)) throw new UsageError(`--log-level must be debug, info, warn or error, got ${JSON.stringify(level)}`);
  const adminPort = Number(values['admin-port']);
  if (!Number.isInteger(adminPort) || adminPort < 0 || adminPort > 65535) throw new UsageError('--admin-port must be a port number');

  const format = values['log-format'] ?? process.env.AIGW_LOG_FORMAT ?? 'text';
  if (!isLogFormat(format)) throw new UsageError(`--log-format must be text or json, got ${JSON.stringify(format)}`);
  fatalFormat = format;
  const logger = createLogger({ level, format });
  const configPath = values.config;
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(configPath, 'utf8'));
  } catch (error) {
    throw new AigwError('CONFIG', `cannot read filter config ${values.config}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const filterConfig = parseFilterConfig(raw);
  const rateLimitSocket = values['ratelimit-socket'];
  // Request headers copied into telemetry: never one that carries a credential.
  const credentialHeaders = configuredCredentialHeaders(filterConfig);
  const refused = new Set<string>();
  const withoutCredentials = (mappings: HeaderAttribute[]): HeaderAttribute[] =>
    mappings.filter((mapping) => {
      if (!isCredentialHeader(mapping.header, credentialHeaders)) return true;
      if (!refused.has(mapping.header)) logger.warn(`request header ${JSON.stringify(mapping.header)} carries credentials: it is not copied into telemetry`);
      refused.add(mapping.header);
      return false;
    });
  const metricHeaders = withoutCredentials(metricsHeaderAttributes(process.env));
  // The OpenTelemetry SDK and exporters (hundreds of modules) load only when asked for: a fast
  // start matters, aigw restarts this process in place when it dies.
  const otlpMetrics = anySet(process.env, METRICS_VARIABLES) ? (await import('./telemetry/metrics/otlp-metrics.js')).createOtlpMetrics(process.env, metricHeaders) : undefined;
  const labelLimits = labelLimitsFromEnv(process.env);
  const metrics = new GenAIMetrics(metricHeaders, otlpMetrics, { configuredModels: configuredModelNames(filterConfig), labelLimits });
  if (values['config-status']) registerConfigStatusMetrics(metrics.registry, values['config-status']);
  const tracer = anySet(process.env, TRACING_VARIABLES) ? (await import('./telemetry/tracing/request-tracer.js')).createRequestTracer(process.env) : undefined;
  let compileCel: CelCostCompiler | undefined;
  const spanHeaders = tracer ? withoutCredentials(spanHeaderAttributes(process.env)) : [];
  const logHeaders = withoutCredentials(logHeaderAttributes(process.env));
  const telemetryHeaders = [...metricHeaders, ...spanHeaders, ...logHeaders].map((mapping) => mapping.header);
  // The rate limiter (and the Redis client, when AIGW_RATELIMIT_REDIS_URL is set) loads only once
  // a configuration has rate limits, and then stays (a reload may take them away and back). The
  // router checks requests with it in process; Envoy's rate-limit filters charge response costs
  // through its socket (at start, before Envoy: aigw waits for READY).
  let rateLimit: RunningRateLimitService | undefined;
  /**
   * Everything a configuration needs before it can serve, made without touching what serves now:
   * the CEL and rate-limit libraries loaded, the rate-limit service started, the runtime built.
   * `commit` then swaps it in; a reload that throws before that leaves the running one alone.
   */
  const prepare = async (config: FilterConfig, previous: RuntimeConfig | undefined): Promise<{ runtime: RuntimeConfig; commit(): void }> => {
    if (!compileCel && hasCelCosts(config.routes)) compileCel = (await import('./usage/cost-expression.js')).compileCostExpression;
    const limits = config.rateLimit && config.rateLimit.domains.length > 0 ? config.rateLimit : undefined;
    if (limits && !rateLimitSocket) throw new UsageError('the config has rate limits: --ratelimit-socket is required');
    if (limits && rateLimitSocket && !rateLimit) {
      rateLimit = await (await import('../ratelimit/start-rate-limit-service.js')).startRateLimitService({ socketPath: rateLimitSocket, config: { domains: [] }, registry: metrics.registry, logger, env: process.env });
    }
    const limiter = rateLimit?.limiter;
    const rateLimits = limits && limiter ? new (await import('../ratelimit/router-rate-limits.js')).RouterRateLimits(limits, limiter) : undefined;
    const next = buildRuntimeConfig(config, metrics, logger, {
      metricHeaders,
      ...(compileCel ? { compileCel } : {}),
      ...(tracer ? { tracer, spanHeaders } : {}),
      logHeaders,
      ...(rateLimits ? { rateLimits } : {}),
      ...(previous ? { authenticatorsByCredential: previous.authenticatorsByCredential } : {}),
    });
    return {
      runtime: next,
      commit: () => {
        limiter?.configure(limits ?? { domains: [] });
        metrics.configureModels(configuredModelNames(config));
        runtime = next;
      },
    };
  };
  const first = await prepare(filterConfig, undefined);
  let runtime = first.runtime;
  first.commit();
  const server = await startExtProcServer(values.socket, () => runtime);
  // The MCP proxy (and its libraries) starts once a configuration has MCP routes, then stays: a
  // reload swaps its routes (mcp/proxy: sessions of unchanged servers survive).
  const mcpSocket = values['mcp-socket'];
  const mcpTelemetry: McpTelemetry = { logHeaders, ...(tracer ? { tracer, spanHeaders } : {}) };
  let mcp: McpProxyHandle | undefined;
  /**
   * Starts the proxy, or has it take `config` (the same routes change nothing); what changed, or
   * undefined for nothing. Throws before changing anything (a route's CEL or JWKS refused).
   */
  const applyMcp = async (config: McpConfig | undefined): Promise<string | undefined> => {
    if (mcp) {
      const { describeMcpReload, mcpReloadChanged } = await import('../mcp/proxy/mcp-reload-summary.js');
      const summary = mcp.reload(config ?? { routes: [] });
      return mcpReloadChanged(summary) ? describeMcpReload(summary) : undefined;
    }
    if (!config || config.routes.length === 0) return undefined;
    if (!mcpSocket) throw new UsageError('the config has MCP routes: --mcp-socket is required');
    // Routes are checked (CEL, JWKS) before the proxy listens, so a bad policy fails the start.
    mcp = await startMcp(mcpSocket, config, metrics, labelLimits, logger, mcpTelemetry);
    return `MCP proxy started for ${config.routes.map((route) => route.name).join(', ')}`;
  };
  await applyMcp(filterConfig.mcp);
  const admin = await startAdminServer({
    port: adminPort,
    host: values['admin-host'],
    registry: metrics.registry,
    extProcServing: () => server.serving,
    ...(values['envoy-admin-address-file'] ? { envoyAdminAddressFile: values['envoy-admin-address-file'] } : {}),
  }).catch((error: unknown) => {
    const code = error instanceof Error && 'code' in error ? String(error.code) : '';
    throw new Error(
      code === 'EADDRINUSE'
        ? `admin port ${adminPort} is already in use (choose another with --admin-port)`
        : `failed to start the admin server: ${error instanceof Error ? error.message : String(error)}`,
    );
  });
  // Whatever the level: aigw waits for this line.
  process.stderr.write(`${formatLogLine(format, 'info', READY_LINE)}\n`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(1);
    stopping = true;
    admin.close();
    void mcp?.close();
    // Spans still in the batch are exported before exit (bounded: the exporter times out).
    void Promise.all([server.close(), rateLimit?.close()])
      .then(() => Promise.all([tracer?.shutdown(), metrics.shutdown()]))
      .catch((error: unknown) => logger.warn(`tracing shutdown: ${error instanceof Error ? error.message : String(error)}`))
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  // SIGHUP: aigw wrote a new filter config (a hot reload). Requests under way keep the runtime
  // they started with; new ones get the new one. A config that cannot be loaded, or changes
  // what this process cannot swap while running, leaves the loaded one serving.
  let reloading = Promise.resolve();
  const reload = async (): Promise<void> => {
    const text = await readFile(configPath, 'utf8');
    const next = parseFilterConfig(JSON.parse(text));
    const refusal = unreloadableChange(next, telemetryHeaders);
    if (refusal !== undefined) throw new AigwError('CONFIG', refusal);
    const prepared = await prepare(next, runtime);
    // The MCP part last: it throws before changing anything, and is then applied with the rest.
    const mcpChanges = await applyMcp(next.mcp);
    prepared.commit();
    if (mcpChanges !== undefined) logger.info(mcpChanges);
    process.stderr.write(`${formatLogLine(format, 'info', `${RELOADED_LINE} ${configRevision(text)}`)}\n`);
  };
  process.on('SIGHUP', () => {
    reloading = reloading
      .then(reload)
      .catch((error: unknown) => {
        process.stderr.write(`${formatLogLine(format, 'error', `${RELOAD_FAILED_LINE}: ${error instanceof Error ? error.message : String(error)}`)}\n`);
      });
  });
}

/**
 * What a reload cannot change in a running ext_proc: the request headers copied into telemetry
 * were checked at start against the credential headers of that configuration (a metric label is
 * fixed once registered), so a new credential override header among them needs a restart.
 * Undefined when the new config can replace the loaded one.
 */
function unreloadableChange(next: FilterConfig, telemetryHeaders: readonly string[]): string | undefined {
  const credentialHeaders = configuredCredentialHeaders(next);
  const copied = telemetryHeaders.filter((header) => isCredentialHeader(header, credentialHeaders));
  if (copied.length === 0) return undefined;
  return `request header ${copied.map((header) => JSON.stringify(header)).join(', ')} now carries credentials and is copied into telemetry (OTEL_AIGW_*_REQUEST_HEADER_ATTRIBUTES): that is checked at start, restart aigw to apply it`;
}

/** Tracing stays off unless one of these is set (createRequestTracer decides from there). */
const TRACING_VARIABLES = ['OTEL_TRACES_EXPORTER', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'AI_GATEWAY_TRACING_SEMCONV'];
/** OTLP metrics stay off unless one of these is set (createOtlpMetrics decides from there). */
const METRICS_VARIABLES = ['OTEL_METRICS_EXPORTER', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT'];

function anySet(env: NodeJS.ProcessEnv, names: readonly string[]): boolean {
  return names.some((name) => (env[name] ?? '') !== '');
}

/** What the MCP proxy shares with LLM requests: access-log header mappings, and the tracer when tracing is on. */
interface McpTelemetry {
  logHeaders: HeaderAttribute[];
  tracer?: RequestTracer;
  spanHeaders?: HeaderAttribute[];
}

/** The MCP proxy (and its OAuth/CEL libraries, and its tracing when on), loaded only for configs with MCP routes. */
async function startMcp(socketPath: string, config: McpConfig, metrics: GenAIMetrics, labelLimits: LabelLimits, logger: Logger, telemetry: McpTelemetry): Promise<McpProxyHandle> {
  const [{ createMcpRouteAuth }, { startMcpProxy }] = await Promise.all([import('../mcp/auth/create-mcp-route-auth.js'), import('../mcp/proxy/mcp-proxy-server.js')]);
  const tracing = telemetry.tracer ? (await import('../mcp/telemetry/create-mcp-tracing.js')).createMcpTracing(telemetry.tracer, telemetry.spanHeaders ?? []) : undefined;
  const proxy = await startMcpProxy({
    socketPath,
    config,
    authFor: (route) => createMcpRouteAuth(route, { logger }),
    registry: metrics.registry,
    labelLimits,
    logger,
    logHeaders: telemetry.logHeaders,
    ...(tracing ? { tracing } : {}),
  });
  // Private to the user, as the ext_proc socket: the proxy holds the MCP backends' credentials.
  await chmod(socketPath, 0o600);
  return proxy;
}

/** The format of the last words: the chosen one once the arguments are read. */
let fatalFormat: LogFormat = process.env.AIGW_LOG_FORMAT === 'json' ? 'json' : 'text';

main().catch((error: unknown) => {
  process.stderr.write(`${formatLogLine(fatalFormat, 'error', error instanceof Error ? error.message : String(error))}\n`);
  // A bad flag exits 80, as aigw's own usage errors do.
  process.exit(exitCodeFor(error));
});
