/**
 * The one writer of aigw's log lines: the CLI (bin/) and the ext_proc child both log through
 * here, so a user sees one format whatever part of aigw is speaking.
 *
 * Two formats:
 * - `text` (default), for people, in the style of compilers and of upstream's `aigw: error: …`:
 *   `aigw: <message>` (info), `aigw: warning: <message>`, `aigw: error: <message>`,
 *   `aigw: debug: <message>`, followed by the fields as ` key=value` (the value quoted as JSON
 *   when it has spaces, quotes or `=`). No timestamp: a terminal reader has one, and a machine
 *   should ask for json.
 * - `json` (`--log-format json`, `AIGW_LOG_FORMAT=json`), for machines: one object per line,
 *   `{"time":…,"level":"info|warn|error|debug","msg":…, …fields}`.
 *
 * Callers never pass credentials; what children print is redacted before it gets here
 * (envoy/log-redactor.ts).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'text' | 'json';
export type LogFields = Readonly<Record<string, unknown>>;

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };
const TEXT_LABEL: Record<LogLevel, string> = { debug: 'debug: ', info: '', warn: 'warning: ', error: 'error: ' };
/** The keys of the JSON line itself; a field with one of these names is written as `_<name>`. */
const RESERVED_KEYS = new Set(['time', 'level', 'msg']);
/** A text field value that reads unambiguously without quotes. */
const BARE_VALUE = /^[^\s"=\\]+$/;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  /** Lines below this level are dropped (default info). */
  level?: LogLevel;
  format?: LogFormat;
  /** Receives each formatted line, newline included (default: stderr). */
  write?: (line: string) => void;
  /** For tests. */
  now?: () => Date;
}

/**
 * `createLogger('warn')`, `createLogger('warn', write)` (text format), or
 * `createLogger({ level, format, write })`.
 */
export function createLogger(levelOrOptions: LogLevel | LoggerOptions = {}, write?: (line: string) => void): Logger {
  const options: LoggerOptions = typeof levelOrOptions === 'string' ? { level: levelOrOptions, ...(write ? { write } : {}) } : levelOrOptions;
  const threshold = ORDER[options.level ?? 'info'];
  const format = options.format ?? 'text';
  const out = options.write ?? ((line: string): void => void process.stderr.write(line));
  const now = options.now ?? (() => new Date());
  const log = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (ORDER[level] < threshold) return;
    out(`${formatLogLine(format, level, message, fields, now())}\n`);
  };
  return {
    debug: (message, fields) => log('debug', message, fields),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
  };
}

/** One log line, without its newline. Exported for lines that bypass the level (the ext_proc's ready line). */
export function formatLogLine(format: LogFormat, level: LogLevel, message: string, fields: LogFields = {}, time: Date = new Date()): string {
  if (format === 'json') {
    const entry: Record<string, unknown> = { time: time.toISOString(), level, msg: message };
    for (const [key, value] of Object.entries(fields)) {
      if (value !== undefined) entry[RESERVED_KEYS.has(key) ? `_${key}` : key] = jsonValue(value);
    }
    return JSON.stringify(entry);
  }
  let line = `aigw: ${TEXT_LABEL[level]}${message}`;
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) line += ` ${key}=${textValue(value)}`;
  }
  return line;
}

function jsonValue(value: unknown): unknown {
  return value instanceof Error ? value.message : value;
}

function textValue(value: unknown): string {
  if (value instanceof Error) return textValue(value.message);
  if (typeof value === 'string') return BARE_VALUE.test(value) ? value : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? String(value);
}

export function isLogLevel(value: string): value is LogLevel {
  return Object.hasOwn(ORDER, value);
}

export function isLogFormat(value: string): value is LogFormat {
  return value === 'text' || value === 'json';
}
