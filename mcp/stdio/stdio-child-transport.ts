// SPDX-License-Identifier: Apache-2.0
import type { ResultPromise } from 'execa';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { spawnTiedChild } from '../../envoy/spawn-tied-child.js';

export interface StdioChildOptions {
  /** Resolved executable (stdio-command-path.ts). */
  file: string;
  args: readonly string[];
  /** The complete environment (nothing else is inherited). */
  env: Record<string, string>;
  /** Each line the server writes to its stderr. */
  onStderrLine?: (line: string) => void;
}

export interface ChildExit {
  code: number | undefined;
  signal: string | undefined;
}

const KEEP_STDERR_LINES = 20;
/** Grace periods of close(): stdin EOF, then SIGTERM, then SIGKILL (the SDK's own sequence). */
const CLOSE_STEP_MS = 2000;
/** After 'exit', how long to wait for the pipes to close (a grandchild may still hold them). */
const PIPES_GRACE_MS = 500;

/**
 * MCP client transport over a child process's stdin/stdout, like the SDK's
 * StdioClientTransport, but started through spawnTiedChild so the server dies with aigw even
 * when aigw is SIGKILLed (the SDK spawns a plain child), with the full environment (the SDK
 * passes only a short list unless given one), and with what supervision needs: the pid, how it
 * exited and its last stderr lines.
 */
export class StdioChildTransport implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: ((message: JSONRPCMessage) => void) | undefined;

  private child: ResultPromise | undefined;
  private readonly readBuffer = new ReadBuffer();
  private readonly inbox: JSONRPCMessage[] = [];
  private delivering = false;
  private readonly stderrLines: string[] = [];
  private stderrPartial = '';
  private exitInfo: ChildExit | undefined;
  private finished = false;
  private resolveFinished: () => void = () => {};
  /** Resolves once the process has exited and the transport is closed. */
  readonly finishedPromise = new Promise<void>((resolve) => {
    this.resolveFinished = resolve;
  });

  constructor(private readonly options: StdioChildOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** How the process ended; undefined while it runs. */
  get exit(): ChildExit | undefined {
    return this.exitInfo;
  }

  lastStderrLines(): string[] {
    return [...this.stderrLines, ...(this.stderrPartial.trim() ? [this.stderrPartial] : [])];
  }

  start(): Promise<void> {
    if (this.child) return Promise.reject(new Error('StdioChildTransport already started'));
    const child = spawnTiedChild(this.options.file, this.options.args, {
      stdin: 'pipe',
      stdout: 'pipe',
      stderr: 'pipe',
      env: this.options.env,
      extendEnv: false,
      reject: false,
      buffer: false,
      // close() does its own SIGTERM → SIGKILL escalation on the whole process group.
      forceKillAfterDelay: false,
    });
    this.child = child;
    child.stdout?.on('data', (chunk: Buffer | string) => this.onStdout(chunk));
    child.stderr?.on('data', (chunk: Buffer | string) => this.onStderr(chunk));
    // A server that exits while we write gets EPIPE here; the exit itself is what matters.
    child.stdin?.on('error', () => {});
    child.once('exit', (code, signal) => {
      this.exitInfo = { code: code ?? undefined, signal: signal ?? undefined };
      // Responses written just before exiting are still in the pipe: give them a moment.
      setTimeout(() => this.finish(), PIPES_GRACE_MS).unref();
    });
    child.once('close', () => this.finish());
    return new Promise((resolve, reject) => {
      let spawned = false;
      child.once('spawn', () => {
        spawned = true;
        resolve();
      });
      child.on('error', (error) => {
        // After the spawn (a failed kill, say) the process lives on: report, do not close.
        if (spawned) return void this.onerror?.(error);
        this.exitInfo ??= { code: undefined, signal: undefined };
        this.finish();
        reject(error);
      });
      // execa settles the promise itself (reject: false); this only keeps it from dangling.
      void child.then(() => undefined);
    });
  }

  send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || this.finished || this.exitInfo || stdin.destroyed) return Promise.reject(new Error('Not connected'));
    return new Promise((resolve, reject) => {
      const written = stdin.write(serializeMessage(message), (error) => {
        if (error) reject(error);
      });
      if (written) resolve();
      else stdin.once('drain', () => resolve());
    });
  }

  /** Ends the server as the SDK does: stdin EOF, then SIGTERM, then SIGKILL, a pause apart. */
  async close(): Promise<void> {
    const child = this.child;
    if (!child) return;
    if (!this.exitInfo) {
      child.stdin?.end();
      if (!(await this.waitFinished(CLOSE_STEP_MS))) {
        this.signal('SIGTERM');
        if (!(await this.waitFinished(CLOSE_STEP_MS))) {
          this.signal('SIGKILL');
          await this.waitFinished(CLOSE_STEP_MS);
        }
      }
    }
    // Anything the server left behind in its process group (e.g. under `npx`) goes too.
    this.signalGroup('SIGKILL');
    this.finish();
  }

  private waitFinished(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      void this.finishedPromise.then(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** The whole process group when the child leads one (spawnTiedChild on Linux), else the child. */
  private signal(signal: NodeJS.Signals): void {
    if (this.signalGroup(signal)) return;
    const pid = this.child?.pid;
    if (pid === undefined || this.exitInfo) return;
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }

  private signalGroup(signal: NodeJS.Signals): boolean {
    const pid = this.child?.pid;
    if (pid === undefined) return false;
    try {
      process.kill(-pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  private finish(): void {
    if (this.finished) return;
    // Messages read before the exit are still delivered (a response written just before exiting).
    if (this.inbox.length > 0) return void setImmediate(() => this.finish());
    this.finished = true;
    this.readBuffer.clear();
    this.resolveFinished();
    this.onclose?.();
  }

  private onStdout(chunk: Buffer | string): void {
    this.readBuffer.append(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    for (;;) {
      try {
        const message = this.readBuffer.readMessage();
        if (message === null) break;
        this.inbox.push(message);
      } catch (error) {
        // A line that is not JSON-RPC (a server logging to stdout): reported, then skipped.
        this.onerror?.(error instanceof Error ? error : new Error(String(error)));
      }
    }
    if (!this.delivering) this.deliver();
  }

  /**
   * One message per macrotask. The SDK runs notification handlers a microtask later but
   * handles responses at once, so the last progress notification of a request, read in the same
   * chunk as its response, would find its handler already gone and be dropped.
   */
  private deliver(): void {
    const message = this.inbox.shift();
    if (message === undefined) {
      this.delivering = false;
      return;
    }
    this.delivering = true;
    this.onmessage?.(message);
    setImmediate(() => this.deliver());
  }

  private onStderr(chunk: Buffer | string): void {
    const split = (this.stderrPartial + chunk.toString()).split('\n');
    this.stderrPartial = split.pop() ?? '';
    for (const raw of split) {
      const line = raw.replace(/\r$/, '');
      if (line.trim() === '') continue;
      this.stderrLines.push(line);
      this.options.onStderrLine?.(line);
    }
    if (this.stderrLines.length > KEEP_STDERR_LINES) this.stderrLines.splice(0, this.stderrLines.length - KEEP_STDERR_LINES);
  }
}
