// SPDX-License-Identifier: Apache-2.0
//
// Envoy access-log sinks from the OTEL_* environment (upstream internal/autoconfig/otel.go).
// Only used for generated configs.
import { goAtoi, isIpAddress } from './parse-base-url.js';
import { goQuote, parseGoUrl } from './parse-go-url.js';
import type { BackendData, OtelLogData } from './render-config.js';
import { AigwError, isAigwError } from '../../common/errors.js';

type Env = Readonly<Record<string, string | undefined>>;

/** The access-log settings and, for OTLP, the collector Backend. Throws a CONFIG AigwError. */
export function otelLogConfig(env: Env): { otel: OtelLogData; backend?: BackendData } {
  try {
    return readOtelLogConfig(env);
  } catch (error) {
    if (isAigwError(error, 'CONFIG')) throw new AigwError('CONFIG', `failed to configure OTEL logging: ${error.message}`);
    throw error;
  }
}

function readOtelLogConfig(env: Env): { otel: OtelLogData; backend?: BackendData } {
  let endpoint = (env.OTEL_EXPORTER_OTLP_LOGS_ENDPOINT ?? '').trim();
  let backendName = 'otel-logs';
  if (endpoint === '') {
    endpoint = (env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').trim();
    backendName = 'otel';
  }
  const exporter = (env.OTEL_LOGS_EXPORTER ?? '').trim().toLowerCase();
  const none: OtelLogData = { mode: 'none', backendName, headers: [], resources: [] };
  let mode: OtelLogData['mode'];
  if (exporter === 'none') mode = 'none';
  else if (exporter === 'console') mode = 'console';
  else if (exporter === 'otlp') mode = 'otlp';
  else if (exporter === '') mode = endpoint !== '' ? 'otlp' : 'console';
  else throw new AigwError('CONFIG', `unsupported OTEL_LOGS_EXPORTER value ${goQuote(exporter)} (allowed: otlp, console, none)`);
  if (mode !== 'otlp') return { otel: { ...none, mode } };

  const protocolVariable = (env.OTEL_EXPORTER_OTLP_LOGS_PROTOCOL ?? '').trim() !== '' ? 'OTEL_EXPORTER_OTLP_LOGS_PROTOCOL' : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = (env[protocolVariable] ?? '').trim() || 'grpc';
  if (protocol.toLowerCase() !== 'grpc') throw new AigwError('CONFIG', `OTEL logs support gRPC protocol only, got ${goQuote(protocol)}`);
  if (endpoint === '') throw new AigwError('CONFIG', 'invalid OTLP endpoint: empty');
  const backend = parseOtlpEndpoint(endpoint, backendName);

  const headersVariable = (env.OTEL_EXPORTER_OTLP_LOGS_HEADERS ?? '').trim() !== '' ? 'OTEL_EXPORTER_OTLP_LOGS_HEADERS' : 'OTEL_EXPORTER_OTLP_HEADERS';
  const headers = parsePairs(env[headersVariable] ?? '', false).map(([name, value]) => ({ name, value }));
  const resources = new Map(parsePairs(env.OTEL_RESOURCE_ATTRIBUTES ?? '', true));
  const serviceName = (env.OTEL_SERVICE_NAME ?? '').trim();
  if (serviceName !== '') resources.set('service.name', serviceName);
  const sorted = [...resources].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { otel: { mode: 'otlp', backendName, headers, resources: sorted }, backend };
}

function parseOtlpEndpoint(raw: string, name: string): BackendData {
  const withScheme = raw.includes('://') ? raw : `http://${raw}`;
  let url;
  try {
    url = parseGoUrl(withScheme);
  } catch (error) {
    if (isAigwError(error, 'CONFIG')) throw new AigwError('CONFIG', `invalid OTLP endpoint ${goQuote(raw)}: ${error.message}`);
    throw error;
  }
  if (url.hostname === '') throw new AigwError('CONFIG', `invalid OTLP endpoint ${goQuote(raw)}: missing host`);
  const tls = url.scheme === 'https';
  let port = tls ? 443 : 80;
  if (url.port !== '') {
    const parsed = goAtoi(url.port);
    if (typeof parsed === 'string') throw new AigwError('CONFIG', `invalid OTLP endpoint ${goQuote(raw)}: ${parsed}`);
    port = parsed;
  }
  return { name, host: url.hostname, isIp: isIpAddress(url.hostname), port, needsTls: tls, telemetry: true };
}

/** `k=v,k2=v2`: entries trimmed, entries without `=` or with an empty key skipped, order kept. */
function parsePairs(text: string, unescapeValues: boolean): [string, string][] {
  const pairs: [string, string][] = [];
  for (const entry of text.split(',')) {
    const equals = entry.indexOf('=');
    if (equals < 0) continue;
    const key = entry.slice(0, equals).trim();
    const value = entry.slice(equals + 1).trim();
    if (key === '') continue;
    pairs.push([key, unescapeValues ? pathUnescape(value) : value]);
  }
  return pairs;
}

/** Go's `url.PathUnescape`, keeping the raw value when it is malformed. */
function pathUnescape(value: string): string {
  if (!value.includes('%')) return value;
  if (/%(?![0-9A-Fa-f]{2})/.test(value)) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value[i] ?? '';
    if (c === '%') {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
