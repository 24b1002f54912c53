/** Minimal leveled logger (stderr, logfmt-like). Callers never pass credentials to it. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export function createLogger(level: LogLevel, write: (line: string) => void = (line) => process.stderr.write(line)): Logger {
  const log = (at: LogLevel, message: string, fields?: Record<string, unknown>): void => {
    if (ORDER[at] < ORDER[level]) return;
    let line = `time=${new Date().toISOString()} level=${at.toUpperCase()} msg=${JSON.stringify(message)}`;
    for (const [key, value] of Object.entries(fields ?? {})) {
      line += ` ${key}=${JSON.stringify(value instanceof Error ? value.message : value)}`;
    }
    write(`${line}\n`);
  };
  return {
    debug: (message, fields) => log('debug', message, fields),
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
  };
}

export function isLogLevel(value: string): value is LogLevel {
  return value in ORDER;
}
