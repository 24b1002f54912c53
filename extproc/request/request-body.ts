import { isUtf8 } from 'node:buffer';
import { isRecord } from '../../common/json-guards.js';
import { malformedRequest, type GatewayError } from '../errors/gateway-error.js';
import type { Endpoint } from './endpoints.js';

/** The few facts the router needs from a client request body. */
export interface ParsedRequestBody {
  model: string;
  stream: boolean;
  /** `stream_options` as sent, if it was an object. */
  streamOptions?: Record<string, unknown>;
  /** The whole parsed body (read only; the span recorder uses it). */
  json: Readonly<Record<string, unknown>>;
  /** A multipart upload's (first) file: its name and size are span attributes, its bytes are not. */
  file?: { name: string; size: number };
}

/**
 * Deepest nesting of arrays and objects a JSON request body may have. Real requests stay far
 * below it (a JSON Schema for a tool is a few dozen levels at most); deeper bodies would overflow
 * the stack of code that walks them (translators, span recorders) and are refused up front, as
 * serde_json's default recursion limit does.
 */
export const MAX_JSON_DEPTH = 128;

/** A UTF-16 surrogate without its pair (`"\\ud800"` in JSON): not encodable as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Longest `model`, in characters: it becomes the x-ai-eg-model header and part of provider URLs. */
export const MAX_MODEL_LENGTH = 1024;

/**
 * Parses a JSON request body for an endpoint. Only `model` and the streaming flags are read;
 * the bytes are forwarded as they are, so beyond what routing needs nothing is validated here
 * (the provider does it). The body must be I-JSON (RFC 7493), because the gateway and the
 * provider must read the same request: valid UTF-8, no key twice in an object, every number
 * within a double's range (and integers within 64 bits), and at most MAX_JSON_DEPTH levels deep.
 * Anything else is a 400 in the client API's shape, never a guess.
 */
export function parseRequestBody(endpoint: Endpoint, path: string, body: Buffer): ParsedRequestBody {
  if (!isUtf8(body)) {
    throw malformedRequest(`the body for ${path} is not valid UTF-8 (invalid byte sequence at byte ${firstInvalidUtf8Offset(body)})`);
  }
  const scan = scanJson(body);
  // Refused before JSON.parse: parsing millions of levels would hold the event loop for seconds.
  if (scan?.kind === 'depth') throw malformedRequest(`the body for ${path} ${scan.message}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw malformedRequest(`failed to parse JSON for ${path}: ${reason}`, error);
  }
  if (scan) throw malformedRequest(`the body for ${path} ${scan.message}`);
  if (!isRecord(parsed)) throw malformedRequest(`the body for ${path} must be a JSON object`);
  const model = parsed.model;
  if (model === undefined) throw malformedRequest(`missing required field "model" for ${path}`);
  const problem = modelProblem(model);
  if (problem !== undefined || typeof model !== 'string') throw malformedRequest(`field "model" ${problem ?? 'must be a non-empty string'}`);
  const stream = endpoint.canStream && parsed.stream === true;
  const streamOptions = parsed.stream_options;
  return { model, stream, json: parsed, ...(isRecord(streamOptions) ? { streamOptions: { ...streamOptions } } : {}) };
}

/**
 * Why `model` cannot be used, if it cannot: it must be a non-empty string that can travel as an
 * HTTP header value (no control characters, well-formed Unicode, not huge).
 */
export function modelProblem(model: unknown): string | undefined {
  if (typeof model !== 'string') return `must be a non-empty string (got ${describeJsonValue(model)})`;
  if (model === '') return 'must be a non-empty string (got "")';
  if (model.length > MAX_MODEL_LENGTH) return `must be at most ${MAX_MODEL_LENGTH} characters (got ${model.length})`;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  const control = /[\u0000-\u001f\u007f]/.exec(model);
  if (control) return `must not contain control characters (U+${control[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')} at index ${control.index})`;
  if (LONE_SURROGATE.test(model)) return 'must be well-formed Unicode (it has an unpaired surrogate escape such as \\ud800)';
  return undefined;
}

function describeJsonValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return 'a string';
  return `${typeof value === 'number' ? 'a number' : typeof value === 'boolean' ? 'a boolean' : typeof value} ${JSON.stringify(value)}`;
}

/**
 * Whether `error` is V8's stack overflow: what a translator or span recorder throws on input
 * nested deeper than it can walk (e.g. tool-call arguments, a JSON text inside a string). It is
 * the client's input, so it becomes a 400 rather than an internal error.
 */
export function isStackOverflow(error: unknown): boolean {
  return error instanceof RangeError && error.message.includes('Maximum call stack size exceeded');
}

/** The 400 for a request whose processing overflowed the stack (see isStackOverflow). */
export function nestedTooDeeply(path: string, cause: unknown): GatewayError {
  return malformedRequest(`the request to ${path} is nested too deeply to process (JSON values may be at most ${MAX_JSON_DEPTH} levels deep, including JSON texts inside strings such as tool-call arguments)`, cause);
}

/** Byte offset of the first byte that does not start or continue a valid UTF-8 sequence. */
export function firstInvalidUtf8Offset(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] ?? 0;
    let length: number;
    let min: number;
    if (b < 0x80) {
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      length = 2;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      length = 3;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      length = 4;
      min = 0x10000;
    } else {
      return i;
    }
    let codePoint = b & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined || (next & 0xc0) !== 0x80) return i;
      codePoint = (codePoint << 6) | (next & 0x3f);
    }
    if (codePoint < min || codePoint > 0x10ffff || (codePoint >= 0xd800 && codePoint <= 0xdfff)) return i;
    i += length;
  }
  return bytes.length;
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

/**
 * One linear pass over a JSON text's bytes for what JSON.parse accepts but a gateway must not:
 * nesting deeper than MAX_JSON_DEPTH, a key twice in one object (JSON.parse keeps the last, other
 * parsers the first: the gateway could route and bill one model while the provider serves
 * another), and numbers out of range (1e400 becomes Infinity; an integer beyond 64 bits fits no
 * API field and a translator would silently round it). Syntax is JSON.parse's job: on invalid
 * input the scan just ends without throwing. Strings are skipped with memchr (Buffer.indexOf), so
 * a 25 MB prompt costs little.
 */
export function scanJson(bytes: Buffer, maxDepth = MAX_JSON_DEPTH): JsonProblem | undefined {
  const stack: Frame[] = [];
  let first: JsonProblem | undefined;
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const c = bytes[i] ?? 0;
    if (c === QUOTE) {
      const end = stringEnd(bytes, i);
      const top = stack[stack.length - 1];
      if (top?.object && top.expectKey) {
        const key = decodeKey(bytes, i, end);
        top.key = key;
        if (!addKey(top, key)) {
          first ??= { kind: 'duplicate-key', message: `has the key ${JSON.stringify(key)} twice in one object, at ${jsonPath(stack)} (a key may appear only once: JSON parsers disagree on which one counts)` };
        }
        top.expectKey = false;
      }
      i = end + 1;
    } else if (c === 0x7b || c === 0x5b) {
      // `{` or `[`
      if (stack.length >= maxDepth) return { kind: 'depth', message: `is nested more than ${maxDepth} levels deep (at byte ${i})` };
      stack.push({ object: c === 0x7b, keys: [], key: '', index: 0, expectKey: c === 0x7b });
      i++;
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
      i++;
    } else if (c === 0x2c) {
      // `,`
      const top = stack[stack.length - 1];
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
  return first;
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

/**
 * Parses a multipart/form-data upload (OpenAI audio endpoints) with the platform's own form
 * parser (undici's, as `fetch` uses). Only text fields are kept for routing and spans (`model`,
 * `stream`, …); files stay in the raw bytes, which are forwarded unchanged.
 */
export async function parseMultipartRequestBody(endpoint: Endpoint, path: string, body: Buffer, contentType: string | undefined): Promise<ParsedRequestBody> {
  if (!contentType?.toLowerCase().startsWith('multipart/form-data')) {
    throw malformedRequest(`${path} takes multipart/form-data (got ${contentType === undefined ? 'no content-type' : JSON.stringify(contentType)})`);
  }
  let form: FormData;
  try {
    form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw malformedRequest(`failed to parse multipart form for ${path}: ${reason}`, error);
  }
  const fields: Record<string, unknown> = {};
  let file: { name: string; size: number } | undefined;
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') fields[name] = value;
    else file ??= { name: value.name, size: value.size };
  }
  const model = fields.model;
  if (typeof model !== 'string' || model === '') throw malformedRequest(`missing required form field "model" for ${path}`);
  return { model, stream: endpoint.canStream && fields.stream === 'true', json: fields, ...(file ? { file } : {}) };
}
