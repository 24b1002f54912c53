/**
 * Deepest nesting of arrays and objects a JSON request body may have. Real requests stay far
 * below it (a JSON Schema for a tool is a few dozen levels at most); deeper bodies would overflow
 * the stack of code that walks them (translators, span recorders) and are refused up front, as
 * serde_json's default recursion limit does.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * Where one top-level member of a JSON object body is, in byte offsets: what the body editor
 * needs to replace or remove it without reading the body again. Value offsets are found from
 * these on demand (whitespace and the colon after the key, whitespace before the separator).
 */
export interface TopLevelMember {
  /** The key, unescaped. */
  readonly key: string;
  /** Offset of the key's opening quote. */
  readonly keyStart: number;
  /** Offset just past the key's closing quote. */
  readonly keyEnd: number;
  /** Offset of what ends the member: the `,` after it, or the object's closing `}`. */
  readonly end: number;
}

/** The top-level members of a JSON object body, in order (see TopLevelMember). */
export interface JsonBodyIndex {
  /** Offset of the object's opening `{`. */
  readonly open: number;
  /** Offset of the object's closing `}`. */
  readonly close: number;
  readonly members: readonly TopLevelMember[];
}

/** What one scan of a JSON text found: the first I-JSON problem, and the top-level members. */
export interface JsonScan {
  problem?: JsonProblem;
  /** Undefined when the text is not a complete JSON object (or the scan stopped at a depth problem). */
  index?: JsonBodyIndex;
}

/** The first I-JSON problem scanJson found; `depth` stops the scan at once. */
export interface JsonProblem {
  kind: 'depth' | 'duplicate-key' | 'number';
  /** Completes "the body for /v1/… ". */
  message: string;
}

interface Frame {
  readonly object: boolean;
  /** Keys seen so far (objects); an array while small, as most objects are. */
  keys: string[] | Set<string>;
  /** The member being read (objects) or the element index (arrays), for paths in messages. */
  key: string;
  index: number;
  /** Objects: the next string is a key (after `{` or `,`), not a value. */
  expectKey: boolean;
}

/** Records `key` in the frame; false when it was already there. */
function addKey(frame: Frame, key: string): boolean {
  const keys = frame.keys;
  if (Array.isArray(keys)) {
    if (keys.includes(key)) return false;
    keys.push(key);
    if (keys.length > 16) frame.keys = new Set(keys);
    return true;
  }
  if (keys.has(key)) return false;
  keys.add(key);
  return true;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** The first I-JSON problem of a JSON text (see scanJsonBody). */
export function scanJson(bytes: Buffer, maxDepth = MAX_JSON_DEPTH): JsonProblem | undefined {
  return scanJsonBody(bytes, maxDepth).problem;
}

/**
 * One linear pass over a JSON text's bytes for what JSON.parse accepts but a gateway must not:
 * nesting deeper than MAX_JSON_DEPTH, a key twice in one object (JSON.parse keeps the last, other
 * parsers the first: the gateway could route and bill one model while the provider serves
 * another), and numbers out of range (1e400 becomes Infinity; an integer beyond 64 bits fits no
 * API field and a translator would silently round it). Syntax is JSON.parse's job: on invalid
 * input the scan just ends without throwing. Strings are skipped with memchr (Buffer.indexOf), so
 * a 25 MB prompt costs little. The same pass records where each top-level member is (the index
 * the body editor splices with), so no edit has to walk the body again.
 */
export function scanJsonBody(bytes: Buffer, maxDepth = MAX_JSON_DEPTH): JsonScan {
  const stack: Frame[] = [];
  let first: JsonProblem | undefined;
  const members: TopLevelMember[] = [];
  let open = -1;
  let close = -1;
  /** The top-level member being read: its key is known, its end is not yet. */
  let member: { key: string; keyStart: number; keyEnd: number } | undefined;
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const c = bytes[i] ?? 0;
    if (c === QUOTE) {
      const end = stringEnd(bytes, i);
      const top = stack[stack.length - 1];
      if (top?.object && top.expectKey) {
        const key = decodeKey(bytes, i, end);
        if (stack.length === 1) member = { key, keyStart: i, keyEnd: end + 1 };
        top.key = key;
        if (!addKey(top, key)) {
          first ??= { kind: 'duplicate-key', message: `has the key ${JSON.stringify(key)} twice in one object, at ${jsonPath(stack)} (a key may appear only once: JSON parsers disagree on which one counts)` };
        }
        top.expectKey = false;
      }
      i = end + 1;
    } else if (c === 0x7b || c === 0x5b) {
      // `{` or `[`
      if (stack.length >= maxDepth) return { problem: { kind: 'depth', message: `is nested more than ${maxDepth} levels deep (at byte ${i})` } };
      if (stack.length === 0 && open === -1) open = i;
      stack.push({ object: c === 0x7b, keys: [], key: '', index: 0, expectKey: c === 0x7b });
      i++;
    } else if (c === 0x7d || c === 0x5d) {
      if (stack.length === 1 && close === -1) {
        close = i;
        if (member) members.push({ ...member, end: i });
        member = undefined;
      }
      stack.pop();
      i++;
    } else if (c === 0x2c) {
      // `,`
      const top = stack[stack.length - 1];
      if (stack.length === 1 && member) {
        members.push({ ...member, end: i });
        member = undefined;
      }
      if (top?.object) top.expectKey = true;
      else if (top) top.index++;
      i++;
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      i = checkNumber(bytes, i, (literal) => {
        first ??= { kind: 'number', message: `has the number ${literal.length > 40 ? `${literal.slice(0, 40)}…` : literal} at ${jsonPath(stack)}, which is out of range (numbers must fit a double, integers 64 bits)` };
      });
    } else {
      i++;
    }
  }
  const complete = open !== -1 && close !== -1 && bytes[open] === 0x7b;
  return { ...(first ? { problem: first } : {}), ...(complete ? { index: { open, close, members } } : {}) };
}

/** Index of the quote closing the string that opens at `start` (or the end of the input). */
function stringEnd(bytes: Buffer, start: number): number {
  let from = start + 1;
  for (;;) {
    const quote = bytes.indexOf(QUOTE, from);
    if (quote === -1) return bytes.length;
    let backslashes = 0;
    for (let j = quote - 1; j > start && bytes[j] === BACKSLASH; j--) backslashes++;
    if (backslashes % 2 === 0) return quote;
    from = quote + 1;
  }
}

function decodeKey(bytes: Buffer, start: number, end: number): string {
  // Short ASCII keys without escapes, nearly all of them, are built here: cheaper than a native call.
  let ascii = end - start <= 64;
  for (let j = start + 1; ascii && j < end; j++) {
    const c = bytes[j] ?? 0;
    if (c === BACKSLASH) return decodeEscapedKey(bytes, start, end);
    if (c >= 0x80) ascii = false;
  }
  if (!ascii) return bytes.indexOf(BACKSLASH, start + 1) !== -1 && bytes.indexOf(BACKSLASH, start + 1) < end ? decodeEscapedKey(bytes, start, end) : bytes.toString('utf8', start + 1, end);
  let key = '';
  for (let j = start + 1; j < end; j++) key += String.fromCharCode(bytes[j] ?? 0);
  return key;
}

function decodeEscapedKey(bytes: Buffer, start: number, end: number): string {
  try {
    const key: unknown = JSON.parse(bytes.toString('utf8', start, end + 1));
    if (typeof key === 'string') return key;
  } catch {
    // An invalid escape: JSON.parse of the whole body reports it.
  }
  return bytes.toString('utf8', start + 1, end);
}

/** Skips the number literal at `start`, calling `outOfRange` with it when it does not fit. */
function checkNumber(bytes: Buffer, start: number, outOfRange: (literal: string) => void): number {
  let i = start;
  let digits = 0;
  let fraction = false;
  let exponent = false;
  for (; i < bytes.length; i++) {
    const c = bytes[i] ?? 0;
    if (c >= 0x30 && c <= 0x39) {
      if (!fraction && !exponent) digits++;
    } else if (c === 0x2e) {
      fraction = true;
    } else if (c === 0x65 || c === 0x45) {
      exponent = true;
    } else if (c !== 0x2d && c !== 0x2b) {
      break;
    }
  }
  // Only literals that could be out of range are looked at closely: an exponent, or many digits.
  if (!exponent && (fraction ? digits <= 308 : digits < 19)) return i;
  const literal = bytes.toString('latin1', start, i);
  if (fraction || exponent) {
    const value = Number(literal);
    if (value === Infinity || value === -Infinity) outOfRange(literal);
    return i;
  }
  try {
    const value = BigInt(literal);
    if (value < INT64_MIN || value > UINT64_MAX) outOfRange(literal);
  } catch {
    // Not a number literal after all (e.g. `--1`): JSON.parse reports it.
  }
  return i;
}

/** `$.messages[0].content`, for the member or element being read at the top of the stack. */
function jsonPath(stack: readonly Frame[]): string {
  let path = '$';
  for (const frame of stack) {
    if (!frame.object) path += `[${frame.index}]`;
    else path += /^[A-Za-z_][A-Za-z0-9_]*$/.test(frame.key) ? `.${frame.key}` : `[${JSON.stringify(frame.key)}]`;
  }
  return path;
}

