import type { FieldReader } from '../field-reader.js';

/** Envoy Gateway EnvoyProxy: Envoy's log level and access logs. */
export interface EnvoyProxySpec {
  /** Component → level (`default` is Envoy's global `-l`). */
  logLevels: Record<string, string>;
  accessLogs: AccessLogSetting[];
}

export interface AccessLogSetting {
  /** CEL expressions; a request is logged when all match. */
  matches: string[];
  format: { type: 'JSON'; json: Record<string, string> } | { type: 'Text'; text: string };
  /** File paths (`/dev/stdout` included). */
  files: string[];
}

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
  // Deployment details for Kubernetes (replicas, resources, service accounts) do not apply locally.
  spec.ignore('provider', 'ignored by aigw run: Envoy runs as a local process');
  spec.ignore('shutdown', 'ignored by aigw run');
  spec.done();
  return { logLevels, accessLogs };
}

function readAccessLogSetting(setting: FieldReader): AccessLogSetting | undefined {
  const matches = setting.strings('matches');
  const files: string[] = [];
  for (const sink of setting.objects('sinks')) {
    const type = sink.oneOf('type', ['File', 'OpenTelemetry', 'ALS'] as const);
    if (type === 'File') {
      const file = sink.requiredObject('file');
      if (file) {
        files.push(file.requiredString('path'));
        file.done();
      }
    } else if (type) {
      sink.unsupported('type', `access log sink type ${type} is not supported by aigw run yet`, 'use a File sink');
    }
    sink.done();
  }
  const formatReader = setting.object('format');
  let format: AccessLogSetting['format'] = { type: 'Text', text: DEFAULT_TEXT_FORMAT };
  if (formatReader) {
    const type = formatReader.oneOf('type', ['JSON', 'Text'] as const);
    if (type === 'JSON') {
      const json: Record<string, string> = {};
      const fields = formatReader.object('json');
      if (fields) for (const key of Object.keys(fields.value)) json[key] = fields.string(key) ?? '';
      format = { type: 'JSON', json };
    } else if (type === 'Text') {
      format = { type: 'Text', text: formatReader.string('text') ?? DEFAULT_TEXT_FORMAT };
    }
    formatReader.done();
  }
  setting.ignore('type');
  setting.done();
  return { matches, format, files };
}

/** Envoy Gateway's default text access log format. */
const DEFAULT_TEXT_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% %BYTES_RECEIVED% %BYTES_SENT% %DURATION% "%REQ(X-FORWARDED-FOR)%" "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" "%UPSTREAM_HOST%"\n';
