import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { GatewayModel } from './gateway-model.js';

/** One access log file and the pipe Envoy writes it through. */
export interface AccessLogPipe {
  /** The FIFO Envoy's file access logger writes to (in the run's runtime directory). */
  pipe: string;
  /** The file the EnvoyProxy File sink names, as written there (a relative path is aigw's cwd's). */
  file: string;
}

/**
 * Paths Envoy writes itself, as its own stdout/stderr stream loggers (build-envoy-bootstrap's
 * STREAM_LOGGERS): aigw reads and redacts those streams already.
 */
const ENVOY_STREAMS: ReadonlySet<string> = new Set(['/dev/stdout', '/dev/stderr']);

/**
 * Points every File access log sink (but stdout and stderr) at a FIFO in `pipeDir` instead of
 * its file, one FIFO per distinct file, named after the file's path: a reloaded configuration
 * that keeps a file keeps its pipe, and one that names another file gets another pipe (Envoy
 * keeps every access log path it opened, so a pipe must never change files). Envoy's file logger
 * writes whatever the format prints — `%REQ(AUTHORIZATION)%` included — and knows nothing of
 * the configuration's secrets; aigw reads each pipe, passes every line through the same redactor
 * as Envoy's stdout and appends it to the file (envoy/access-log-pipes.ts). Rewriting formats at
 * compile time instead could not catch a secret that arrives in any other field (a client echoing
 * a key in a header of its own, a path, dynamic metadata).
 */
export function pipeFileAccessLogs(model: GatewayModel, pipeDir: string): { model: GatewayModel; pipes: AccessLogPipe[] } {
  const pipes = new Map<string, string>();
  const pipeOf = (file: string): string => {
    let pipe = pipes.get(file);
    if (pipe === undefined) {
      pipe = join(pipeDir, `access-log-${createHash('sha256').update(file).digest('hex').slice(0, 12)}.pipe`);
      pipes.set(file, pipe);
    }
    return pipe;
  };
  const listeners = model.listeners.map((listener) => ({
    ...listener,
    accessLogs: listener.accessLogs.map((setting) => ({
      ...setting,
      sinks: setting.sinks.map((sink) => (sink.kind === 'file' && !ENVOY_STREAMS.has(sink.path) ? { ...sink, path: pipeOf(sink.path) } : sink)),
    })),
  }));
  return { model: { ...model, listeners }, pipes: [...pipes].map(([file, pipe]) => ({ pipe, file })) };
}
