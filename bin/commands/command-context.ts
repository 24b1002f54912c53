import type { LogFormat, Logger } from '../../common/logger.js';

/**
 * What the dispatcher (bin/aigw.ts) hands every command: the log format, read before the
 * arguments are parsed so that even a usage error comes out in it, and a logger writing in it.
 */
export interface CommandContext {
  logFormat: LogFormat;
  logger: Logger;
}

/** One `aigw <command>`: its arguments (without the command word) to an exit code. */
export type Command = (args: string[], context: CommandContext) => number | Promise<number>;
