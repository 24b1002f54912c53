import buffer from 'node:buffer';
import { syncBuiltinESMExports } from 'node:module';

/** How many times each kind of whole-body work ran (see countBodyPasses). */
export type BodyPasses = Record<string, number>;

/**
 * Runs `work` while counting the native operations that walk a whole request body: UTF-8
 * validation, decoding to a string, JSON.parse, encoding back to bytes, joining buffers, and
 * comparing them. An operation counts when its input is at least half of `bodyBytes` long, so the
 * small strings and buffers every request handles (headers, paths, keys) are left out. JS loops
 * over the body (the I-JSON scan) cannot be seen from here; their count is fixed by the code.
 * Only one count may run at a time (the patches are process-wide), so tests using it must not
 * run concurrently.
 */
export async function countBodyPasses<T>(bodyBytes: number, work: () => Promise<T>): Promise<{ result: T; passes: BodyPasses }> {
  const passes: BodyPasses = {};
  const threshold = Math.max(1, Math.floor(bodyBytes / 2));
  const count = (name: string, size: number): void => {
    if (size >= threshold) passes[name] = (passes[name] ?? 0) + 1;
  };
  const originals = {
    isUtf8: buffer.isUtf8,
    toString: Buffer.prototype.toString,
    equals: Buffer.prototype.equals,
    from: Buffer.from,
    concat: Buffer.concat,
    parse: JSON.parse,
    decode: TextDecoder.prototype.decode,
  };
  const isUtf8 = (input: Buffer | ArrayBuffer | NodeJS.TypedArray): boolean => {
    count('utf8-check', input.byteLength);
    return originals.isUtf8(input);
  };
  // node:buffer's named ESM exports are copied from the CJS object: re-synced after the patch.
  Object.assign(buffer, { isUtf8 });
  syncBuiltinESMExports();
  Buffer.prototype.toString = function toString(this: Buffer, encoding?: BufferEncoding, start?: number, end?: number): string {
    if (encoding === undefined || encoding === 'utf8' || encoding === 'utf-8') count('decode', (end ?? this.length) - (start ?? 0));
    return originals.toString.call(this, encoding, start, end);
  };
  Buffer.prototype.equals = function equals(this: Buffer, other: Uint8Array): boolean {
    count('compare', this.length);
    return originals.equals.call(this, other);
  };
  const from = (...args: unknown[]): unknown => {
    if (typeof args[0] === 'string' && args[1] !== 'base64') count('encode', args[0].length);
    return Reflect.apply(originals.from, Buffer, args);
  };
  Object.assign(Buffer, { from });
  Buffer.concat = (list: readonly Uint8Array[], totalLength?: number) => {
    const result = originals.concat.call(Buffer, list, totalLength);
    if (list.length > 1) count('concat', result.length);
    return result;
  };
  JSON.parse = (text: string, reviver?: (this: unknown, key: string, value: unknown) => unknown): unknown => {
    count('JSON.parse', text.length);
    return originals.parse(text, reviver);
  };
  TextDecoder.prototype.decode = function decode(this: InstanceType<typeof TextDecoder>, input?: NodeJS.ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string {
    count('decode', input?.byteLength ?? 0);
    return originals.decode.call(this, input, options);
  };
  try {
    return { result: await work(), passes };
  } finally {
    Object.assign(buffer, { isUtf8: originals.isUtf8 });
    syncBuiltinESMExports();
    Buffer.prototype.toString = originals.toString;
    Buffer.prototype.equals = originals.equals;
    Buffer.from = originals.from;
    Buffer.concat = originals.concat;
    JSON.parse = originals.parse;
    TextDecoder.prototype.decode = originals.decode;
  }
}
