/**
 * Client-side helpers shared by the upstream fault tests: raw requests with a deadline (a fault
 * must never hang the client), error-body shape checks per client API, and SDK stream readers
 * that report what arrived before the stream failed.
 */
import assert from 'node:assert/strict';
import { isRecord, type JsonRecord } from '../../common/json-guards.js';
import { BACKEND_SELECTOR_HEADER } from './provider-gateway-yaml.js';

/** Longest any faulted request may take before the test calls it hung. */
export const NO_HANG_MS = 8_000;

export interface RawAnswer {
  status: number;
  headers: Headers;
  text: string;
  ms: number;
}

/** POSTs `body` to the gateway for `backend`; the body is read whole (a reset becomes an error). */
export async function post(port: number, path: string, backend: string, body: Record<string, unknown>, headers: Record<string, string> = {}): Promise<RawAnswer> {
  const started = performance.now();
  const response = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [BACKEND_SELECTOR_HEADER]: backend, ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(NO_HANG_MS),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, ms: performance.now() - started };
}

export function parseJson(text: string): JsonRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    assert.fail(`expected a JSON body, got ${JSON.stringify(text.slice(0, 300))}`);
  }
  assert.ok(isRecord(parsed), `expected a JSON object, got ${text.slice(0, 300)}`);
  return parsed;
}

/**
 * The error of an answer in the OpenAI client shape: a JSON body with an `error` object that has a
 * string `message` (both the gateway's `{"type":"error","error":{…}}` and OpenAI's own
 * `{"error":{…}}` are read so by the OpenAI SDKs).
 */
export function openAIError(answer: RawAnswer): JsonRecord {
  assert.match(answer.headers.get('content-type') ?? '', /application\/json/);
  const body = parseJson(answer.text);
  assert.ok(isRecord(body.error), `no error object in ${answer.text}`);
  assert.equal(typeof body.error.message, 'string', answer.text);
  return body.error;
}

/** The error of an answer in Anthropic's shape: `{"type":"error","error":{"type","message"}}`. */
export function anthropicError(answer: RawAnswer): JsonRecord {
  assert.match(answer.headers.get('content-type') ?? '', /application\/json/);
  const body = parseJson(answer.text);
  assert.equal(body.type, 'error', answer.text);
  assert.ok(isRecord(body.error), `no error object in ${answer.text}`);
  assert.equal(typeof body.error.type, 'string', answer.text);
  assert.equal(typeof body.error.message, 'string', answer.text);
  return body.error;
}

export interface StreamOutcome<T> {
  items: T[];
  error?: unknown;
  ms: number;
}

/** Reads an SDK stream to its end or its error, within NO_HANG_MS. */
export async function drain<T>(open: () => Promise<AsyncIterable<T>>): Promise<StreamOutcome<T>> {
  const started = performance.now();
  const items: T[] = [];
  const read = async (): Promise<StreamOutcome<T>> => {
    try {
      for await (const item of await open()) items.push(item);
    } catch (error) {
      return { items, error, ms: performance.now() - started };
    }
    return { items, ms: performance.now() - started };
  };
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the stream neither ended nor failed within ${NO_HANG_MS} ms`)), NO_HANG_MS);
  });
  try {
    return await Promise.race([read(), hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `call`, which must reject; returns the rejection (within NO_HANG_MS). */
export async function rejection(call: () => Promise<unknown>): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'hung'>((resolve) => {
    timer = setTimeout(() => resolve('hung'), NO_HANG_MS);
  });
  try {
    const outcome = await Promise.race([call().then(() => 'resolved' as const, (error: unknown) => ({ error })), hung]);
    assert.ok(outcome !== 'hung', `the call neither answered nor failed within ${NO_HANG_MS} ms`);
    assert.ok(outcome !== 'resolved', 'expected the call to fail');
    return outcome.error;
  } finally {
    clearTimeout(timer);
  }
}
