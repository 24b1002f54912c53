import { constants, open as openFd, close as closeFd } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { Socket } from 'node:net';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import type { AccessLogPipe } from '../../compiler/pipe-file-access-logs.js';
import type { Logger } from '../../common/logger.js';
import { accessLogRedactor, redactingLineStream, type RedactionRules } from '../../envoy/log-redactor.js';
import { outputTail, runProcess } from '../../common/run-process.js';
import { AigwError } from '../../common/errors.js';

const openFdAsync = promisify(openFd);
const closeFdAsync = promisify(closeFd);

export interface AccessLogPipes {
  /**
   * Opens the pipes of a reloaded configuration that are not open yet (a File sink with a new
   * file), before Envoy is given it; fails, naming the file, when one cannot be opened. Pipes the
   * configuration no longer uses stay open until close(): Envoy keeps every access log path it
   * opened, and a listener draining on the old configuration may still write to it.
   */
  add(pipes: readonly AccessLogPipe[]): Promise<void>;
  /**
   * Call once Envoy has exited: copies what is still in the pipes, closes the files and removes
   * the pipes. Waits at most `timeoutMs`, so a stuck writer cannot hold up aigw's exit.
   */
  close(timeoutMs?: number): Promise<void>;
}

/**
 * Makes the FIFOs that Envoy's File access log sinks write to (compiler/pipe-file-access-logs.ts)
 * and copies each, line by line through the same redactor as Envoy's stdout, to the end of its
 * file. Call before Envoy starts. Every file is opened first, for appending and created if
 * missing (0644, as Envoy does), so an unwritable path fails the start with its reason, as it
 * fails Envoy's; like Envoy, aigw creates no missing parent directory.
 */
export async function openAccessLogPipes(pipes: readonly AccessLogPipe[], redaction: RedactionRules | undefined, logger: Logger): Promise<AccessLogPipes> {
  const open = new Map<string, PipeCopy>();
  const add = async (more: readonly AccessLogPipe[]): Promise<void> => {
    const fresh = more.filter(({ pipe }) => !open.has(pipe));
    const files: FileHandle[] = [];
    const copies: PipeCopy[] = [];
    try {
      for (const { file } of fresh) files.push(await openAccessLogFile(file));
      for (const [index, { pipe, file }] of fresh.entries()) {
        const handle = files[index];
        if (handle) copies.push(await copyPipe(pipe, file, handle, redaction, logger));
      }
    } catch (error) {
      for (const copy of copies) copy.abort();
      await Promise.all(files.map((handle) => handle.close().catch(() => undefined)));
      throw error;
    }
    fresh.forEach(({ pipe }, index) => {
      const copy = copies[index];
      if (copy) open.set(pipe, copy);
    });
  };
  await add(pipes);
  return {
    add,
    close: async (timeoutMs = 2_000) => {
      await Promise.all([...open.values()].map((copy) => copy.finish(timeoutMs)));
    },
  };
}

async function openAccessLogFile(file: string): Promise<FileHandle> {
  try {
    return await open(resolve(file), 'a', 0o644);
  } catch (error) {
    throw new AigwError('RUN', `cannot open the access log file ${file} (an EnvoyProxy File sink): ${error instanceof Error ? error.message : String(error)}`);
  }
}

interface PipeCopy {
  /** Ends the copy once the pipe is drained (Envoy gone), or after `timeoutMs` regardless. */
  finish(timeoutMs: number): Promise<void>;
  /** Stops at once (a failed start). */
  abort(): void;
}

async function copyPipe(pipe: string, file: string, handle: FileHandle, redaction: RedactionRules | undefined, logger: Logger): Promise<PipeCopy> {
  await rm(pipe, { force: true }); // a previous run under this id left it (the run lock is ours)
  const made = await runProcess(['mkfifo', '-m', '600', pipe]).catch((error: unknown) => ({ exitCode: 127, signal: null, stdout: '', stderr: error instanceof Error ? error.message : String(error) }));
  if (made.exitCode !== 0) throw new AigwError('RUN', `cannot create the access log pipe ${pipe}: ${outputTail(made) || `mkfifo exited with code ${String(made.exitCode)}`}`);
  // The reading end first (non-blocking: there is no writer yet), then a writing end of aigw's
  // own, held until Envoy is gone: the reader sees end-of-file only when both are closed, so
  // it neither ends before Envoy opens the pipe nor loses what Envoy wrote last.
  const readFd = await openFdAsync(pipe, constants.O_RDONLY | constants.O_NONBLOCK);
  const keepOpenFd = await openFdAsync(pipe, constants.O_WRONLY | constants.O_NONBLOCK);
  const reader = new Socket({ fd: readFd, readable: true, writable: false });
  let stopped = false;
  const copied = pipeline(reader, redactingLineStream(accessLogRedactor(redaction)), appendTo(handle, file, logger)).catch((error: unknown) => {
    if (!stopped) logger.error(`access log ${file}: ${error instanceof Error ? error.message : String(error)}`);
  });
  let writerClosed = false;
  const closeWriter = async (): Promise<void> => {
    if (writerClosed) return;
    writerClosed = true;
    await closeFdAsync(keepOpenFd).catch(() => undefined);
  };
  const stop = (): void => {
    stopped = true;
    reader.destroy();
  };
  return {
    finish: async (timeoutMs) => {
      await closeWriter();
      let timer: NodeJS.Timeout | undefined;
      const drained = await Promise.race([copied.then(() => true), new Promise<boolean>((resolveLate) => (timer = setTimeout(() => resolveLate(false), timeoutMs)))]);
      clearTimeout(timer);
      if (!drained) {
        logger.warn(`access log ${file}: its pipe was still open ${timeoutMs} ms after Envoy exited; stopped copying`);
        stop();
        await copied;
      }
      await rm(pipe, { force: true });
    },
    abort: () => {
      void closeWriter();
      stop();
    },
  };
}

/**
 * Appends to the open file, lines batched per write. A write that fails (disk full, file
 * removed) is reported once and later lines are dropped: the pipe keeps being read, so Envoy
 * never blocks on it.
 */
function appendTo(handle: FileHandle, file: string, logger: Logger): Writable {
  let failed = false;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => (closing ??= handle.close().catch(() => undefined));
  const append = (data: Buffer, callback: () => void): void => {
    if (failed) return callback();
    handle.appendFile(data).then(callback, (error: unknown) => {
      failed = true;
      logger.error(`cannot write the access log file ${file}: ${error instanceof Error ? error.message : String(error)}; its lines are dropped from now on`);
      callback();
    });
  };
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      append(chunk, callback);
    },
    writev(chunks, callback) {
      append(Buffer.concat(chunks.map(({ chunk }: { chunk: Buffer }) => chunk)), callback);
    },
    final(callback) {
      close().then(() => callback(), callback);
    },
    destroy(error, callback) {
      close().then(() => callback(error), callback);
    },
  });
}
