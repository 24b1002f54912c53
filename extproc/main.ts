#!/usr/bin/env node
/**
 * The ext_proc process: `node extproc/main.js --config <file> --socket <path> --admin-port <n>`.
 * `aigw run` starts it before Envoy and supervises it; it can also be run alone for debugging.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startAdminServer } from './admin-server.js';
import { startExtProcServer } from './ext-proc-server.js';
import { FilterConfigError } from './filter-config.js';
import { createLogger, isLogLevel } from './logger.js';
import { GenAIMetrics } from './metrics/genai-metrics.js';
import { logHeaderAttributes, metricsHeaderAttributes, spanHeaderAttributes } from './metrics/header-attributes.js';
import { createRequestTracer } from './tracing/request-tracer.js';
import { createOtlpMetrics } from './metrics/otlp-metrics.js';
import { parseFilterConfig } from './parse-filter-config.js';
import { createMcpRouteAuth } from './mcp/auth/create-mcp-route-auth.js';
import { startMcpProxy } from './mcp/mcp-proxy-server.js';
import { READY_LINE } from './ready-line.js';
import { buildRuntimeConfig } from './runtime-config.js';


async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      socket: { type: 'string' },
      'mcp-socket': { type: 'string' },
      'admin-port': { type: 'string', default: '1064' },
      'admin-host': { type: 'string', default: '127.0.0.1' },
      'envoy-admin-address-file': { type: 'string' },
      'log-level': { type: 'string', default: 'warn' },
    },
    strict: true,
  });
  if (!values.config || !values.socket) throw new UsageError('--config and --socket are required');
  const level = values['log-level'];
  if (!isLogLevel(level)) throw new UsageError(`--log-level must be debug, info, warn or error, got ${JSON.stringify(level)}`);
  const adminPort = Number(values['admin-port']);
  if (!Number.isInteger(adminPort) || adminPort < 0 || adminPort > 65535) throw new UsageError('--admin-port must be a port number');

  const logger = createLogger(level);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(values.config, 'utf8'));
  } catch (error) {
    throw new FilterConfigError(`cannot read filter config ${values.config}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const metricHeaders = metricsHeaderAttributes(process.env);
  const metrics = new GenAIMetrics(metricHeaders, createOtlpMetrics(process.env, metricHeaders));
  const tracer = createRequestTracer(process.env);
  const filterConfig = parseFilterConfig(raw);
  const runtime = buildRuntimeConfig(filterConfig, metrics, logger, {
    metricHeaders,
    ...(tracer ? { tracer, spanHeaders: spanHeaderAttributes(process.env) } : {}),
    logHeaders: logHeaderAttributes(process.env),
  });
  const server = await startExtProcServer(values.socket, () => runtime);
  const mcpConfig = filterConfig.mcp;
  if (mcpConfig && !values['mcp-socket']) throw new UsageError('the config has MCP routes: --mcp-socket is required');
  // Routes are checked (CEL, JWKS) before the proxy listens, so a bad policy fails the start.
  const mcp =
    mcpConfig && values['mcp-socket']
      ? await startMcpProxy({ socketPath: values['mcp-socket'], config: mcpConfig, authFor: (route) => createMcpRouteAuth(route, { logger }), registry: metrics.registry, logger })
      : undefined;
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
  process.stderr.write(`${READY_LINE}\n`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(1);
    stopping = true;
    admin.close();
    void mcp?.close();
    // Spans still in the batch are exported before exit (bounded: the exporter times out).
    void server
      .close()
      .then(() => Promise.all([tracer?.shutdown(), metrics.shutdown()]))
      .catch((error: unknown) => logger.warn(`tracing shutdown: ${error instanceof Error ? error.message : String(error)}`))
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

class UsageError extends Error {}

main().catch((error: unknown) => {
  process.stderr.write(`aigw ext_proc: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(error instanceof UsageError ? 80 : 1);
});
