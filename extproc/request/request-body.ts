import { isUtf8 } from 'node:buffer';
import { isRecord } from '../../common/json-guards.js';
import { malformedRequest, type GatewayError } from '../errors/gateway-error.js';
import type { Endpoint } from './endpoints.js';
import { MAX_JSON_DEPTH, scanJsonBody, type JsonBodyIndex } from './scan-json.js';

export { MAX_JSON_DEPTH, scanJson, type JsonProblem } from './scan-json.js';

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
  /** Where the top-level members of a JSON body are: translators edit the body with it (JsonBodyEditor) without scanning it again. */
  index?: JsonBodyIndex;
}

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
  const { problem: scan, index } = scanJsonBody(body);
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
  return { model, stream, json: parsed, ...(isRecord(streamOptions) ? { streamOptions: { ...streamOptions } } : {}), ...(index ? { index } : {}) };
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
