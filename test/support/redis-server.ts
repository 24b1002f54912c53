/**
 * A real `redis-server` for tests: one per test file, on a free port, no persistence
 * (`--save '' --appendonly no`), killed by `stop()` (call it in `after`). `restart()` starts a
 * new one on the same port (a Redis that comes back). Tests skip with `REDIS_SERVER_MISSING`
 * when the binary is absent (`AIGW_TEST_REDIS_SERVER` overrides /usr/bin/redis-server).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { connect } from 'node:net';
import { freePort } from './free-port.js';

const REDIS_SERVER = process.env.AIGW_TEST_REDIS_SERVER ?? '/usr/bin/redis-server';

function binaryMissing(): string | undefined {
  try {
    accessSync(REDIS_SERVER, constants.X_OK);
    return undefined;
  } catch {
    return `${REDIS_SERVER} is not installed (apt-get install redis-server, or set AIGW_TEST_REDIS_SERVER)`;
  }
}

/** Why the Redis tests are skipped, or undefined when redis-server can run. */
export const REDIS_SERVER_MISSING: string | undefined = binaryMissing();

export interface TestRedis {
  port: number;
  url: string;
  /** The running server's pid (for SIGSTOP/SIGCONT). */
  pid(): number;
  /** Kills the server (SIGKILL: a crash, not a shutdown) and waits for it to exit. */
  kill(): Promise<void>;
  /** A new server on the same port, after kill(). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedisServer(options: { password?: string } = {}): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined = await spawnRedis(port, options.password);
  const kill = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => running.once('exit', () => resolve()));
    running.kill('SIGKILL');
    await exited;
  };
  const auth = options.password === undefined ? '' : `:${encodeURIComponent(options.password)}@`;
  return {
    port,
    url: `redis://${auth}127.0.0.1:${port}/0`,
    pid: () => {
      if (child?.pid === undefined) throw new Error('redis-server is not running');
      return child.pid;
    },
    kill,
    restart: async () => {
      await kill();
      child = await spawnRedis(port, options.password);
    },
    stop: kill,
  };
}

async function spawnRedis(port: number, password: string | undefined): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'];
  if (password !== undefined) args.push('--requirepass', password);
  const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (${child.exitCode}): ${stderr}`);
    if (await answersPing(port)) return child;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server on port ${port} did not answer within 10 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Whether a server on `port` answers (PONG, or NOAUTH when it wants a password). */
function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(/^(\+PONG|-NOAUTH)/.test(data.toString())));
  });
}
