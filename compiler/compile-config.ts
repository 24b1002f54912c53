import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FilterConfig } from '../contract/filter-config.js';
import { buildEnvoyBootstrap } from './build-envoy-bootstrap.js';
import { buildFilterConfig } from './build-filter-config.js';
import { admitDocuments } from './admit-documents.js';
import { ConfigError, formatDiagnostic, type Diagnostic } from './diagnostic.js';
import { defaultMcpProxySocketPath, defaultRateLimitSocketPath } from './default-mcp-proxy-socket-path.js';
import { envsubst } from './envsubst.js';
import { MAX_CONFIG_BYTES, sizeProblem } from './read-config-file.js';
import { pipeFileAccessLogs, type AccessLogPipe } from './pipe-file-access-logs.js';
import type { GatewayModel } from './gateway-model.js';
import { findNonPrintable, loadDocuments, type SourceDocument } from './load-documents.js';
import { checkMcpRoutePaths } from './mcp-route-paths.js';
import { readResources } from './resources/read-resources.js';
import { resolveGateway } from './resolve-gateway.js';

export interface CompileOptions {
  /** Shown in diagnostics. */
  file: string;
  /** Substituted into the config; also read for SSL_CERT_FILE. */
  env: Readonly<Record<string, string | undefined>>;
  extProcSocketPath: string;
  /** Unix socket of the ext_proc's MCP proxy; default `mcp.sock` next to extProcSocketPath. */
  mcpProxySocketPath?: string;
  /** PEM bundle for `wellKnownCACertificates: System`; default SSL_CERT_FILE, else the OS bundle (checked to exist). */
  systemCaFile?: string;
  /** `--listen-address`: overrides every Gateway's `spec.addresses` (default 127.0.0.1). */
  listenAddress?: string;
  /** `--envoy-max-heap` in bytes (default DEFAULT_ENVOY_MAX_HEAP_BYTES). */
  envoyMaxHeapBytes?: number;
  /** Where Envoy's File access log sinks write (FIFOs aigw reads); default the ext_proc socket's directory. */
  accessLogPipeDir?: string;
  /** Unix socket of the rate-limit service (gRPC); default `ratelimit.sock` next to extProcSocketPath. */
  rateLimitSocketPath?: string;
  /** When the rate-limit service fails: true refuses the request (503), false (default) lets it through. */
  rateLimitFailureModeDeny?: boolean;
}

/** Envoy's heap limit when --envoy-max-heap is not given. */
export const DEFAULT_ENVOY_MAX_HEAP_BYTES = 1024 * 1024 * 1024;

export interface CompiledConfig {
  model: GatewayModel;
  /** Envoy's bootstrap as a JSON value (Envoy reads JSON and YAML alike). */
  bootstrap: unknown;
  filterConfig: FilterConfig;
  /** The File access log sinks, each written by Envoy to a pipe that aigw redacts into the file. */
  accessLogPipes: AccessLogPipe[];
  /** Warnings: accepted input that aigw run does not honour. */
  warnings: Diagnostic[];
}

/**
 * The whole pipeline: text → envsubst → YAML documents → typed resources → resolved model →
 * Envoy bootstrap + ext_proc filter config. Throws one ConfigError carrying every error found.
 */
export function compileConfig(text: string, options: CompileOptions): CompiledConfig {
  return compileSources([{ file: options.file, text }], options);
}

/** One input file. */
export interface ConfigSource {
  file: string;
  text: string;
}

/** What the front half of the pipeline found: documents, every problem, and the model if it resolved. */
export interface ConfigAnalysis {
  documents: SourceDocument[];
  /** Sorted by file and position; errors and warnings. */
  diagnostics: Diagnostic[];
  model?: GatewayModel;
}

/**
 * text → envsubst → YAML documents → admission (schema + CEL) → typed resources → resolved
 * model, for several files at once (resources may reference each other across files). Every
 * command runs exactly this; `validate` reports it, `translate` and `run` go on to emit. Never
 * throws for bad input.
 */
export function analyzeSources(sources: readonly ConfigSource[], env: Readonly<Record<string, string | undefined>>): ConfigAnalysis {
  const diagnostics: Diagnostic[] = [];
  const documents: SourceDocument[] = [];
  for (const source of sources) {
    // Checked on the text as written, so positions are the file's own: too big to parse, or not
    // text at all (a binary file would otherwise reach envsubst and YAML as a giant scalar).
    // Its byte size is at least its length; measured exactly only when that is small. (The text
    // may come from a lossy decode, where each bad byte became a 3-byte U+FFFD: no exact size.)
    const tooLarge = source.text.length > MAX_CONFIG_BYTES ? sizeProblem(source.text.length, true) : sizeProblem(Buffer.byteLength(source.text, 'utf8'), true);
    if (tooLarge) {
      diagnostics.push({ severity: 'error', file: source.file, ...tooLarge });
      continue;
    }
    const nonPrintable = findNonPrintable(source.text);
    if (nonPrintable) {
      diagnostics.push({ severity: 'error', file: source.file, ...nonPrintable });
      continue;
    }
    let substituted: string;
    try {
      substituted = envsubst(source.text, env, { maxLength: MAX_CONFIG_BYTES });
    } catch (error) {
      // envsubst's own failures are its only ConfigErrors; they know the position, not the file.
      if (!(error instanceof ConfigError)) throw error;
      diagnostics.push(...error.diagnostics.map((diagnostic) => ({ ...diagnostic, file: source.file })));
      continue;
    }
    const loaded = loadDocuments(substituted, source.file);
    documents.push(...loaded.documents);
    diagnostics.push(...loaded.problems);
  }
  // Admission first, as in a cluster: the readers see only what the API server would store.
  const admission = admitDocuments(documents);
  diagnostics.push(...admission.diagnostics);
  // Readers keep this array: resolving the model reports through them too.
  const resources = readResources(admission.admitted, env, diagnostics);
  const model = diagnostics.some(isError) ? undefined : resolveGateway(resources, diagnostics);
  // Judged over every document, rejected ones included (a path clash is a clash either way), and
  // after resolving, which it does not need to hold up.
  diagnostics.push(...checkMcpRoutePaths(documents));
  const fallbackFile = sources[0]?.file ?? '';
  for (const diagnostic of diagnostics) if (!diagnostic.file) diagnostic.file = fallbackFile;
  // Reported in file order, the way an editor lists problems.
  const order = new Map(sources.map((source, i) => [source.file, i] as const));
  const sorted = dedupe(diagnostics).sort(
    (a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
  return { documents, diagnostics: sorted, ...(model ? { model } : {}) };
}

/** The whole pipeline over several files. Throws one ConfigError carrying every error found. */
export function compileSources(sources: readonly ConfigSource[], options: Omit<CompileOptions, 'file'>): CompiledConfig {
  const analysis = analyzeSources(sources, options.env);
  const model = analysis.model;
  const unique = analysis.diagnostics;
  if (!model || unique.some(isError)) throw new ConfigError(unique.filter(isError).concat(unique.filter((d) => !isError(d))));
  const firstFile = sources[0]?.file ?? '';
  // SSL_CERT_FILE is OpenSSL's convention for "trust these CAs instead" (corporate proxies, tests).
  const systemCaFile = options.systemCaFile ?? (options.env.SSL_CERT_FILE || findSystemCaFile());
  const usesTls = model.routes.some((route) => route.rules.some((rule) => rule.refs.some((ref) => ref.tls?.systemCAs)));
  if (usesTls && options.systemCaFile === undefined && !existsSync(systemCaFile)) {
    throw new ConfigError([
      { severity: 'error', file: firstFile, message: `the system CA bundle ${systemCaFile} does not exist, but a backend uses wellKnownCACertificates: System`, hint: 'point SSL_CERT_FILE at a PEM bundle of trusted CAs' },
    ]);
  }
  const piped = pipeFileAccessLogs(model, options.accessLogPipeDir ?? dirname(options.extProcSocketPath));
  const bootstrap = buildEnvoyBootstrap(piped.model, {
    extProcSocketPath: options.extProcSocketPath,
    mcpProxySocketPath: options.mcpProxySocketPath ?? defaultMcpProxySocketPath(options.extProcSocketPath),
    systemCaFile,
    ...(options.listenAddress !== undefined ? { listenAddress: options.listenAddress } : {}),
    maxHeapBytes: options.envoyMaxHeapBytes ?? DEFAULT_ENVOY_MAX_HEAP_BYTES,
    rateLimitSocketPath: options.rateLimitSocketPath ?? defaultRateLimitSocketPath(options.extProcSocketPath),
  });
  return { model, bootstrap, filterConfig: buildFilterConfig(model, options.rateLimitFailureModeDeny !== undefined ? { rateLimitFailureModeDeny: options.rateLimitFailureModeDeny } : {}), accessLogPipes: piped.pipes, warnings: unique };
}

/** A problem found once per reference (e.g. a shared policy's missing Secret) is reported once. */
function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((diagnostic) => {
    const key = formatDiagnostic(diagnostic);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function isError(diagnostic: Diagnostic): boolean {
  return diagnostic.severity === 'error';
}

const CA_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem', '/etc/ssl/ca-bundle.pem'];

/** The OS trust store used for `wellKnownCACertificates: System`. */
export function findSystemCaFile(): string {
  return CA_BUNDLES.find((path) => existsSync(path)) ?? CA_BUNDLES[0] ?? '';
}
