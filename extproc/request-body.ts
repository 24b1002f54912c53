import { isRecord } from './json-guards.js';
import { malformedRequest } from './gateway-error.js';
import type { Endpoint } from './endpoints.js';

/** The few facts the router needs from a client request body. */
export interface ParsedRequestBody {
  model: string;
  stream: boolean;
  /** `stream_options` as sent, if it was an object. */
  streamOptions?: Record<string, unknown>;
  /** The whole parsed body (read only; the span recorder uses it). */
  json: Readonly<Record<string, unknown>>;
}

/**
 * Parses a JSON request body for an endpoint. Only `model` and the streaming flags are read;
 * the bytes are forwarded as they are, so nothing else is validated here (the provider does it).
 */
export function parseRequestBody(endpoint: Endpoint, path: string, body: Buffer): ParsedRequestBody {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw malformedRequest(`failed to parse JSON for ${path}: ${reason}`, error);
  }
  if (!isRecord(parsed)) throw malformedRequest(`the body for ${path} must be a JSON object`);
  const model = parsed.model;
  if (typeof model !== 'string' || model === '') {
    throw malformedRequest(
      model === undefined ? `missing required field "model" for ${path}` : `field "model" must be a non-empty string`,
    );
  }
  const stream = endpoint.canStream && parsed.stream === true;
  const streamOptions = parsed.stream_options;
  return { model, stream, json: parsed, ...(isRecord(streamOptions) ? { streamOptions: { ...streamOptions } } : {}) };
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
  for (const [name, value] of form.entries()) if (typeof value === 'string') fields[name] = value;
  const model = fields.model;
  if (typeof model !== 'string' || model === '') throw malformedRequest(`missing required form field "model" for ${path}`);
  return { model, stream: endpoint.canStream && fields.stream === 'true', json: fields };
}
