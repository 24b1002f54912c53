/**
 * How aigw shows what its children print on stderr, in the user's log format (logger.ts).
 *
 * The ext_proc always logs JSON lines to aigw (`--log-format json`), whatever the user chose:
 * aigw then renders each one itself, so its own lines and the ext_proc's come out alike, a
 * startup failure can be quoted by its message alone, and what the ext_proc prints outside its
 * logger (a Node crash report) still becomes JSON lines in json mode.
 *
 * Envoy's lines keep Envoy's format in text mode (people know it, and `--debug` output is
 * Envoy's); in json mode each is wrapped as `{"time","level","msg":<the line>,"source":"envoy"}`
 * with the level read from Envoy's `[level]` column.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { isRecord } from './json-guards.js';
import { formatLogLine, isLogLevel, type LogFields, type LogFormat, type LogLevel } from './logger.js';

/** A line of the logger's json format, read back. */
export interface LogRecord {
  time: Date;
  level: LogLevel;
  msg: string;
  fields: Record<string, unknown>;
}

export function parseLogRecord(line: string): LogRecord | undefined {
  if (!line.startsWith('{')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(value)) return undefined;
  const { time, level, msg, ...fields } = value;
  if (typeof level !== 'string' || !isLogLevel(level) || typeof msg !== 'string') return undefined;
  const parsed = typeof time === 'string' ? new Date(time) : new Date();
  return { time: Number.isNaN(parsed.getTime()) ? new Date() : parsed, level, msg, fields };
}

/**
 * An ext_proc stderr line (already redacted) as the user sees it. In json mode lines carry
 * `source: "extproc"`; in text mode they read like aigw's own. Lines that are not the logger's
 * (a crash report) pass unchanged in text mode and become error records in json mode.
 */
export function renderExtProcLine(line: string, format: LogFormat): string {
  const record = parseLogRecord(line);
  if (record) return formatLogLine(format, record.level, record.msg, format === 'json' ? { ...record.fields, source: 'extproc' } : record.fields, record.time);
  if (format === 'text' || line.trim() === '') return line;
  return formatLogLine('json', 'error', line, { source: 'extproc' });
}

const ENVOY_LEVEL = /^\[[^\]]*\]\[[^\]]*\]\[(trace|debug|info|warning|error|critical)\]/;
const ENVOY_LEVELS: Record<string, LogLevel> = { trace: 'debug', debug: 'debug', info: 'info', warning: 'warn', error: 'error', critical: 'error' };

/** An Envoy stderr line (already redacted) as the user sees it. */
export function renderEnvoyLine(line: string, format: LogFormat): string {
  if (format === 'text' || line.trim() === '') return line;
  const level = ENVOY_LEVELS[ENVOY_LEVEL.exec(line)?.[1] ?? ''] ?? 'info';
  const fields: LogFields = { source: 'envoy' };
  return formatLogLine('json', level, line, fields);
}

/** A stream that maps each line of its input (a last line without newline included). */
export function mapLineStream(map: (line: string) => string): Transform {
  let partial = '';
  return new Transform({
    transform(this: Transform, chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) this.push(`${map(line)}\n`);
      callback();
    },
    flush(this: Transform, callback: TransformCallback) {
      if (partial !== '') this.push(`${map(partial)}\n`);
      partial = '';
      callback();
    },
  });
}
