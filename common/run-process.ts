// Minimal child-process runner that captures output for error messages, honours an AbortSignal
// and a timeout, and never rejects on a non-zero exit (callers decide what a failure means).
import { spawn } from 'node:child_process';

export interface RunProcessOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Called with each complete line the command writes to stdout (for live progress). */
  onStdoutLine?: (line: string) => void;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

// Keep only the tail: pip and tar can be chatty, and the end is where the error is.
const MAX_CAPTURE = 64 * 1024;

function appendCapped(buf: string, chunk: Buffer): string {
  const next = buf + chunk.toString('utf8');
  return next.length > MAX_CAPTURE ? next.slice(next.length - MAX_CAPTURE) : next;
}

/** Runs argv[0] with argv[1..]; rejects only if the process could not be started or was aborted. */
export function runProcess(argv: readonly string[], opts: RunProcessOptions = {}): Promise<ProcessResult> {
  const [command, ...args] = argv;
  if (command === undefined) return Promise.reject(new Error('runProcess: empty argv'));
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: opts.env,
      cwd: opts.cwd,
      signal: opts.signal,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Our own timer rather than spawn's `timeout` option: Node only clears that one on 'exit',
    // which never comes when the command fails to start, so it would keep the process alive.
    const timer =
      opts.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGTERM'), opts.timeoutMs);
    let stdout = '';
    let stderr = '';
    let partialLine = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout = appendCapped(stdout, chunk);
      if (opts.onStdoutLine === undefined) return;
      const lines = (partialLine + chunk.toString('utf8')).split('\n');
      partialLine = lines.pop() ?? '';
      for (const line of lines) opts.onStdoutLine(line.replace(/\r$/, ''));
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = appendCapped(stderr, chunk);
    });
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      if (err.code === 'ENOENT') reject(new Error(`${command}: command not found`));
      else reject(err);
    });
    child.once('close', (exitCode, signal) => {
      clearTimeout(timer);
      resolve({ exitCode, signal, stdout, stderr });
    });
  });
}

/** Last non-empty lines of a command's output, for compact error messages. */
export function outputTail(result: ProcessResult, lines = 3): string {
  const all = `${result.stderr}\n${result.stdout}`
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  return all.slice(-lines).join(' | ');
}
