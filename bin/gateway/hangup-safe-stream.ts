import { Writable } from 'node:stream';

/**
 * A stream that writes to `target` until `target` fails, then drops what it is given. When the
 * terminal closes (the SIGHUP case) aigw keeps running to drain in-flight requests, but its
 * stdout and stderr now fail (EIO on a hung-up tty, EPIPE on a closed pipe): unhandled, that
 * error would crash aigw mid-drain, and a pipe from a child that stops at the first error would
 * leave Envoy blocked on a full stderr pipe. So errors are absorbed here and the children's
 * output keeps flowing (into nothing).
 */
export function hangupSafeStream(target: NodeJS.WritableStream): Writable {
  let gone = false;
  let waitingForDrain: (() => void) | undefined;
  const release = (): void => {
    const callback = waitingForDrain;
    waitingForDrain = undefined;
    callback?.();
  };
  target.on('error', () => {
    gone = true;
    release();
  });
  return new Writable({
    write(chunk: Buffer, _encoding, callback) {
      if (gone) return callback();
      // Written now (not after the target's callback), so lines logged right before an exit are out.
      if (target.write(chunk)) return callback();
      waitingForDrain = callback;
      target.once('drain', release);
    },
  });
}
