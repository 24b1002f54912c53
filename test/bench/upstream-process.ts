import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A request with this header gets an OpenAI chat stream of one content event per second for that many seconds (the soak's long generation). */
export const LONG_STREAM_HEADER = 'x-bench-stream-seconds';

export interface UpstreamProcess {
  port: number;
  pid: number | undefined;
  stop(): Promise<void>;
}

const ENTRY = fileURLToPath(new URL('./upstream-server.js', import.meta.url));

/** Starts the fake OpenAI upstream in its own Node process (see upstream-server.ts). */
export function startUpstreamProcess(timeoutMs = 10_000): Promise<UpstreamProcess> {
  const child = spawn(process.execPath, [ENTRY, '--serve'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new Error(`fake upstream did not start in ${timeoutMs}ms`)), timeoutMs);
    const fail = (error: Error): void => {
      clearTimeout(timer);
      void stop().then(() => reject(error));
    };
    child.once('error', fail);
    void exited.then(() => fail(new Error(`fake upstream exited before listening: ${output}`)));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const line = output.split('\n', 1)[0];
      if (line === undefined || !output.includes('\n')) return;
      const port = parsePort(line);
      if (port === undefined) return fail(new Error(`fake upstream printed ${JSON.stringify(line)}, expected {"port":N}`));
      clearTimeout(timer);
      resolve({ port, pid: child.pid, stop });
    });
  });
}

function parsePort(line: string): number | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === 'object' && value !== null && 'port' in value && typeof value.port === 'number') return value.port;
  } catch {
    // Not JSON: reported by the caller.
  }
  return undefined;
}
