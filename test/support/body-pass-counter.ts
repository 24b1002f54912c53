import buffer from 'node:buffer';
import { syncBuiltinESMExports } from 'node:module';

/** How many times each kind of whole-body work ran (see countBodyPasses). */
export type BodyPasses = Record<string, number>;

/** Replaces `target[name]` with a function that calls `before` then the original; returns the undo. */
function patch(target: object, name: string, before: (self: unknown, args: unknown[]) => void): () => void {
  const original: unknown = Reflect.get(target, name);
  if (typeof original !== 'function') throw new Error(`${name} is not a function`);
  Reflect.set(target, name, function patched(this: unknown, ...args: unknown[]): unknown {
    before(this, args);
    const result: unknown = Reflect.apply(original, this, args);
    return result;
  });
  return () => Reflect.set(target, name, original);
}

function byteLength(value: unknown): number {
  return value instanceof Uint8Array || value instanceof ArrayBuffer ? value.byteLength : 0;
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}

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
  // Typed `object` (Buffer.prototype is typed `any`).
  const bufferPrototype = Reflect.getPrototypeOf(Buffer.alloc(0));
  if (!bufferPrototype) throw new Error('Buffer has no prototype');
  const undo = [
    // node:buffer's named ESM exports are copies of the CJS object's: re-synced after the patch.
    patch(buffer, 'isUtf8', (_self, [input]) => count('utf8-check', byteLength(input))),
    patch(bufferPrototype, 'toString', (self, [encoding, start, end]) => {
      if (encoding === undefined || encoding === 'utf8' || encoding === 'utf-8') count('decode', numberOr(end, byteLength(self)) - numberOr(start, 0));
    }),
    patch(bufferPrototype, 'equals', (self) => count('compare', byteLength(self))),
    patch(Buffer, 'from', (_self, [input, encoding]) => {
      if (typeof input === 'string' && encoding !== 'base64') count('encode', input.length);
    }),
    patch(Buffer, 'concat', (_self, [list]) => {
      if (Array.isArray(list) && list.length > 1) count('concat', list.reduce((total: number, item: unknown) => total + byteLength(item), 0));
    }),
    patch(JSON, 'parse', (_self, [text]) => count('JSON.parse', typeof text === 'string' ? text.length : 0)),
    patch(TextDecoder.prototype, 'decode', (_self, [input]) => count('decode', byteLength(input))),
  ];
  syncBuiltinESMExports();
  try {
    return { result: await work(), passes };
  } finally {
    for (const restore of undo) restore();
    syncBuiltinESMExports();
  }
}
