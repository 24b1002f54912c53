import { parse } from 'yaml';
import type { Json } from '../envoy-json.js';
import type { FieldReader } from '../field-reader.js';
import { toEnvoyJson } from '../merge-envoy-bootstrap.js';
import { readReference, type ObjectReference } from './object-meta.js';

/** Envoy Gateway EnvoyProxy: Envoy's log level and access logs. */
export interface EnvoyProxySpec {
  /** `provider.host.envoyVersion` (with `provider.type: Host`). */
  envoyVersion?: string;
  /** Component → level (`default` is Envoy's global `-l`). */
  logLevels: Record<string, string>;
  accessLogs: AccessLogSetting[];
  /** `bootstrap` with `type: Merge`: merged into the generated bootstrap. */
  bootstrapMerge?: Json;
}

export interface AccessLogSetting {
  /** CEL expressions; a request is logged when all match. */
  matches: string[];
  /**
   * File sinks log JSON when `type` is JSON (or only `json` is given), else `text`.
   * OpenTelemetry sinks send `text` as the record body and the `json` fields as attributes.
   */
  format: { type?: 'JSON' | 'Text'; text?: string; json?: Record<string, string> };
  sinks: AccessLogSink[];
}

export type AccessLogSink =
  | { kind: 'file'; path: string }
  | { kind: 'openTelemetry'; backendRef: ObjectReference; headers: { name: string; value: string }[]; resources: Record<string, string>; path: (string | number)[] };

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;

export function readEnvoyProxySpec(spec: FieldReader): EnvoyProxySpec {
  const logLevels: Record<string, string> = {};
  const logging = spec.object('logging');
  const level = logging?.object('level');
  if (level) {
    for (const component of Object.keys(level.value)) {
      const value = level.oneOf(component, LOG_LEVELS);
      if (value) logLevels[component] = value === 'warn' ? 'warning' : value;
    }
  }
  logging?.done();
  const accessLogs: AccessLogSetting[] = [];
  const telemetry = spec.object('telemetry');
  const accessLog = telemetry?.object('accessLog');
  if (accessLog) {
    if (accessLog.has('disable')) accessLog.unsupported('disable', 'field is not supported by aigw run');
    for (const setting of accessLog.objects('settings')) {
      const parsed = readAccessLogSetting(setting);
      if (parsed) accessLogs.push(parsed);
    }
    accessLog.done();
  }
  if (telemetry) {
    telemetry.ignore('metrics', 'ignored by aigw run: Envoy proxy metrics are not exported');
    telemetry.ignore('tracing', 'ignored by aigw run: tracing is configured with OTEL_* environment variables');
    telemetry.done();
  }
  // Deployment details for Kubernetes (replicas, resources, service accounts) do not apply locally;
  // a Host provider's Envoy version does (it is how upstream aigw picks the Envoy release).
  let envoyVersion: string | undefined;
  const provider = spec.object('provider');
  if (provider) {
    const type = provider.string('type');
    const host = provider.object('host');
    if (type === 'Host' && host) {
      envoyVersion = host.string('envoyVersion');
      if (envoyVersion !== undefined && !/^\d+\.\d+\.\d+$/.test(envoyVersion)) host.error('envoyVersion', `Invalid value: ${JSON.stringify(envoyVersion)}: must be an Envoy release such as 1.38.3`);
      host.done();
    } else {
      provider.ignore('host');
      if (type !== 'Host') spec.warn('provider', 'ignored by aigw run: Envoy runs as a local process');
    }
    provider.ignore('kubernetes');
    provider.done();
  }
  spec.ignore('shutdown', 'ignored by aigw run');
  const bootstrap = spec.object('bootstrap');
  const bootstrapMerge = bootstrap ? readBootstrap(bootstrap) : undefined;
  spec.done();
  return { logLevels, accessLogs, ...(envoyVersion !== undefined ? { envoyVersion } : {}), ...(bootstrapMerge !== undefined ? { bootstrapMerge } : {}) };
}

/**
 * Only `Merge` keeps what aigw generates (upstream's MCP examples use it to pin the admin port);
 * `Replace` and `JSONPatch` would have to be written against Envoy Gateway's own bootstrap.
 */
function readBootstrap(bootstrap: FieldReader): Json | undefined {
  const type = bootstrap.oneOf('type', ['Merge', 'Replace', 'JSONPatch'] as const) ?? 'Replace';
  const value = bootstrap.string('value');
  if (bootstrap.has('jsonPatches')) bootstrap.unsupported('jsonPatches', 'bootstrap JSON patches are not supported by aigw run', 'use type: Merge with a value');
  bootstrap.ignore('jsonPatches');
  bootstrap.done();
  if (type !== 'Merge') {
    bootstrap.unsupported(bootstrap.has('type') ? 'type' : undefined, `bootstrap type ${type} is not supported by aigw run: it would replace the listeners and clusters aigw generates`, 'use type: Merge');
    return undefined;
  }
  if (value === undefined) {
    bootstrap.error('value', 'Required value');
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = parse(value);
  } catch (error) {
    bootstrap.error('value', `Invalid value: not YAML (${error instanceof Error ? error.message : String(error)})`);
    return undefined;
  }
  const json = toEnvoyJson(parsed);
  if (json === undefined || json === null || typeof json !== 'object' || Array.isArray(json)) {
    bootstrap.error('value', 'Invalid value: must be a YAML object (a partial Envoy bootstrap)');
    return undefined;
  }
  return json;
}

function readAccessLogSetting(setting: FieldReader): AccessLogSetting | undefined {
  const matches = setting.strings('matches');
  const sinks: AccessLogSink[] = [];
  for (const sink of setting.objects('sinks')) {
    const type = sink.oneOf('type', ['File', 'OpenTelemetry', 'ALS'] as const);
    if (type === 'File') {
      const file = sink.requiredObject('file');
      if (file) {
        sinks.push({ kind: 'file', path: file.requiredString('path') });
        file.done();
      }
    } else if (type === 'OpenTelemetry') {
      const otel = sink.requiredObject('openTelemetry');
      if (otel) {
        const refs = otel.objects('backendRefs').map(readReference);
        if (otel.has('host') || otel.has('port') || otel.has('backendRef')) otel.unsupported(otel.has('host') ? 'host' : otel.has('port') ? 'port' : 'backendRef', 'use backendRefs to name the collector Backend');
        for (const key of ['host', 'port', 'backendRef']) otel.ignore(key);
        const headers = otel.objects('headers').map((header) => {
          const entry = { name: header.requiredString('name'), value: header.requiredString('value') };
          header.done();
          return entry;
        });
        const resources: Record<string, string> = {};
        const resourceReader = otel.object('resources');
        if (resourceReader) for (const key of Object.keys(resourceReader.value)) resources[key] = resourceReader.string(key) ?? '';
        const [backendRef, ...more] = refs;
        if (!backendRef) otel.error('backendRefs', 'Required value: the OTLP collector Backend');
        else sinks.push({ kind: 'openTelemetry', backendRef, headers, resources, path: [...otel.path, 'backendRefs', 0] });
        if (more.length > 0) otel.unsupported('backendRefs', 'aigw run sends access logs to one collector Backend');
        otel.done();
      }
    } else if (type) {
      sink.unsupported('type', `access log sink type ${type} is not supported by aigw run yet`, 'use a File or OpenTelemetry sink');
    }
    sink.done();
  }
  const formatReader = setting.object('format');
  const format: AccessLogSetting['format'] = {};
  if (formatReader) {
    const type = formatReader.oneOf('type', ['JSON', 'Text'] as const);
    if (type) format.type = type;
    const text = formatReader.string('text');
    if (text !== undefined) format.text = text;
    const fields = formatReader.object('json');
    if (fields) {
      const json: Record<string, string> = {};
      for (const key of Object.keys(fields.value)) json[key] = fields.string(key) ?? '';
      format.json = json;
    }
    formatReader.done();
  }
  setting.ignore('type');
  setting.done();
  return { matches, format, sinks };
}

/** Envoy Gateway's default text access log format. */
export const DEFAULT_TEXT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n';
