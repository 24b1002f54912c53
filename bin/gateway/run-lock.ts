import { open, rm, stat } from 'node:fs/promises';
import * as net from 'node:net';
import { join } from 'node:path';
import { isRecord } from '../../common/json-guards.js';
import { AigwError } from '../../common/errors.js';

/** Who holds a run: told to whoever asks, for the refusal message. */
export interface RunLockOwner {
  pid: number;
  /** ISO 8601. */
  startedAt: string;
}

export interface RunLock {
  /** Gives the run up (removes the lock socket); safe to call twice. */
  release(): Promise<void>;
}

export type RunLockAttempt = { acquired: true; lock: RunLock } | { acquired: false; owner: RunLockOwner | undefined };

/** The lock: a Unix socket the running aigw listens on, in the run's runtime directory. */
export const RUN_LOCK_FILE = 'aigw.lock';
const MUTEX_FILE = 'aigw.lock.mutex';
/** The mutex is held for a few milliseconds; one this old was left by an aigw killed meanwhile. */
const STALE_MUTEX_MS = 5_000;
const PROBE_TIMEOUT_MS = 1_000;

/**
 * Takes the run directory `dir` for this process, or says who has it. The lock is a Unix socket
 * this process listens on, so liveness is the kernel's word, not a pid that may have been reused:
 * a socket file whose listener is gone (aigw killed with SIGKILL) refuses connections and is
 * taken over; one that accepts belongs to a running aigw, which answers with its pid.
 *
 * Acquiring runs under a mutex file (created with O_EXCL) because a fresh socket also refuses
 * connections between its bind() and listen(): without it, a second aigw could take the newer
 * one for stale and remove it, and both would run.
 */
export async function acquireRunLock(dir: string, owner: RunLockOwner, timeoutMs = 10_000): Promise<RunLockAttempt> {
  const path = join(dir, RUN_LOCK_FILE);
  const releaseMutex = await takeMutex(join(dir, MUTEX_FILE), timeoutMs);
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      const server = await listenOn(path, owner);
      if (server) return { acquired: true, lock: { release: () => closeServer(server) } };
      const probe = await probeLock(path);
      if (probe.alive) return { acquired: false, owner: probe.owner };
      await rm(path, { force: true }); // left by an aigw that did not get to clean up
    }
    throw new AigwError('RUN', `cannot take the run lock ${path}: it keeps being recreated by another process`);
  } finally {
    await releaseMutex();
  }
}

/**
 * Whether a running aigw holds the run directory `dir` (its lock socket answers). A directory
 * left by an aigw killed with SIGKILL, or not a run directory at all, is not held.
 */
export async function isRunLockHeld(dir: string): Promise<boolean> {
  return (await probeLock(join(dir, RUN_LOCK_FILE))).alive;
}

/** Listens on `path`; undefined when the file exists already (a live or a stale lock). */
function listenOn(path: string, owner: RunLockOwner): Promise<net.Server | undefined> {
  return new Promise((resolve, reject) => {
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined); // a prober that went away
      socket.end(`${JSON.stringify(owner)}\n`);
    });
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(undefined);
      else reject(new AigwError('RUN', `cannot take the run lock ${path}: ${error.message}`));
    });
    server.listen(path, () => {
      // The lock lasts as long as the process; it must not keep a finished aigw alive.
      server.unref();
      resolve(server);
    });
  });
}

function closeServer(server: net.Server): Promise<void> {
  // Node removes the socket file when a listening server closes.
  return new Promise((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
}

/** Connects to a lock socket: alive (with what its owner says) or not (refused, gone). */
function probeLock(path: string): Promise<{ alive: true; owner: RunLockOwner | undefined } | { alive: false }> {
  return new Promise((resolve) => {
    const socket = net.connect(path);
    let text = '';
    let connected = false;
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(connected ? { alive: true, owner: parseOwner(text) } : { alive: false });
    };
    // A hung owner still accepts (the kernel does): alive, owner unknown.
    const timer = setTimeout(done, PROBE_TIMEOUT_MS);
    socket.setEncoding('utf8');
    socket.on('connect', () => (connected = true));
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('end', done);
    socket.on('error', done);
  });
}

function parseOwner(text: string): RunLockOwner | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (isRecord(value) && typeof value.pid === 'number' && typeof value.startedAt === 'string') return { pid: value.pid, startedAt: value.startedAt };
  } catch {
    // an older or foreign listener: alive, but it did not say who it is
  }
  return undefined;
}

/** Creates `path` exclusively (waiting while another process has it); resolves with its release. */
async function takeMutex(path: string, timeoutMs: number): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await (await open(path, 'wx', 0o600)).close();
      return () => rm(path, { force: true });
    } catch (error) {
      if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) {
        throw new AigwError('RUN', `cannot take the run lock mutex ${path}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    const modified = await stat(path).then((stats) => stats.mtimeMs, () => Date.now());
    if (Date.now() - modified > STALE_MUTEX_MS) {
      await rm(path, { force: true });
    } else if (Date.now() > deadline) {
      throw new AigwError('RUN', `cannot take the run lock mutex ${path}: another aigw has held it for ${Math.round(timeoutMs / 1000)}s`);
    } else {
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20));
    }
  }
}
