/**
 * Typed reader for go-vcr v2 cassettes (the recorded OpenAI interactions in
 * test/fixtures/upstream/cassettes). Only the fields replay needs are kept; everything is
 * validated so a malformed fixture fails loudly at load time instead of as a confusing 500
 * in the middle of a test.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import { upstreamPath } from './upstream-fixtures.js';

/** Header names as recorded (canonical Go casing), each with all its values. */
export type CassetteHeaders = Record<string, string[]>;

export interface CassetteRequest {
  method: string;
  /** Absolute URL as recorded, e.g. https://api.openai.com/v1/chat/completions. */
  url: string;
  /** Path part of `url` (no query), what replay matches on. */
  path: string;
  body: string;
  headers: CassetteHeaders;
}

export interface CassetteResponse {
  code: number;
  body: string;
  headers: CassetteHeaders;
}

export interface CassetteInteraction {
  id: number;
  request: CassetteRequest;
  response: CassetteResponse;
}

export interface Cassette {
  /** File name without `.yaml`, e.g. `chat-basic`; replay can select a cassette by it. */
  name: string;
  interactions: CassetteInteraction[];
}

export class CassetteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CassetteError';
  }
}

/** Directory of the recorded cassettes (the vendored upstream copy, or AIGW_UPSTREAM_DIR's). */
export function cassetteDir(): string {
  return upstreamPath('cassettes');
}

/** Path of a recorded cassette by name, e.g. `chat-basic`. */
export function cassettePath(name: string): string {
  return join(cassetteDir(), `${name}.yaml`);
}

/** Reads and validates one cassette file. */
export function loadCassette(path: string): Cassette {
  const name = basename(path).replace(/\.ya?ml$/, '');
  return parseCassette(readFileSync(path, 'utf8'), name);
}

/** Parses cassette YAML text; `name` labels errors and the result. */
export function parseCassette(text: string, name: string): Cassette {
  const doc: unknown = parse(text);
  if (!isRecord(doc)) throw new CassetteError(`${name}: expected a YAML mapping at the top level`);
  if (doc.version !== 2) throw new CassetteError(`${name}: expected go-vcr cassette version 2, got ${JSON.stringify(doc.version)}`);
  const interactions = doc.interactions;
  if (!Array.isArray(interactions)) throw new CassetteError(`${name}: interactions must be a list`);
  return { name, interactions: interactions.map((item: unknown, index) => readInteraction(item, `${name}: interactions[${index}]`, index)) };
}

/** The headers' first value for `name`, matched case-insensitively (Go canonicalises names). */
export function cassetteHeader(headers: CassetteHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, values] of Object.entries(headers)) if (key.toLowerCase() === wanted) return values[0];
  return undefined;
}

function readInteraction(value: unknown, where: string, index: number): CassetteInteraction {
  if (!isRecord(value)) throw new CassetteError(`${where}: expected a mapping`);
  const { request, response } = value;
  if (!isRecord(request)) throw new CassetteError(`${where}.request: expected a mapping`);
  if (!isRecord(response)) throw new CassetteError(`${where}.response: expected a mapping`);
  const url = requiredString(request, 'url', `${where}.request`);
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    throw new CassetteError(`${where}.request.url: not an absolute URL: ${JSON.stringify(url)}`);
  }
  const code = response.code;
  if (typeof code !== 'number' || !Number.isInteger(code) || code < 100 || code > 599) {
    throw new CassetteError(`${where}.response.code: expected an HTTP status code, got ${JSON.stringify(code)}`);
  }
  return {
    id: typeof value.id === 'number' ? value.id : index,
    request: {
      method: requiredString(request, 'method', `${where}.request`).toUpperCase(),
      url,
      path,
      body: stringOrEmpty(request, 'body', `${where}.request`),
      headers: readHeaders(request.headers, `${where}.request.headers`),
    },
    response: {
      code,
      body: stringOrEmpty(response, 'body', `${where}.response`),
      headers: readHeaders(response.headers, `${where}.response.headers`),
    },
  };
}

function readHeaders(value: unknown, where: string): CassetteHeaders {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new CassetteError(`${where}: expected a mapping`);
  const headers: CassetteHeaders = {};
  for (const [key, values] of Object.entries(value)) {
    // go-vcr writes http.Header, a list per name; YAML may turn unquoted scalars into numbers.
    const list: unknown[] = Array.isArray(values) ? values : [values];
    headers[key] = list.map((item) => {
      if (typeof item === 'string') return item;
      if (typeof item === 'number' || typeof item === 'boolean') return String(item);
      throw new CassetteError(`${where}.${key}: expected string values`);
    });
  }
  return headers;
}

function requiredString(record: Record<string, unknown>, key: string, where: string): string {
  const value = record[key];
  if (typeof value !== 'string' || value === '') throw new CassetteError(`${where}.${key}: expected a non-empty string`);
  return value;
}

function stringOrEmpty(record: Record<string, unknown>, key: string, where: string): string {
  const value = record[key];
  // An empty body is recorded as "" or left out entirely.
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw new CassetteError(`${where}.${key}: expected a string`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
