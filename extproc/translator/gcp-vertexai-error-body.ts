import { isRecord, optionalNumber, optionalString } from '../../common/json-guards.js';
import { backendErrorBody } from './backend-error-body.js';

/** The `error` object of a Google API error (`google.rpc.Status` as JSON). */
export interface GCPError {
  code?: number;
  /** The canonical code name, e.g. `INVALID_ARGUMENT`, `RESOURCE_EXHAUSTED`. */
  status?: string;
  message?: string;
  details?: unknown[];
}

/**
 * Reads `{"error":{code,message,status,details}}`. Streaming methods answer errors as a
 * one-element JSON array of that object, so the first element of an array is read too.
 * @see https://cloud.google.com/apis/design/errors#http_mapping
 */
export function readGCPError(value: unknown): GCPError | undefined {
  const body: unknown = Array.isArray(value) ? value[0] : value;
  if (!isRecord(body) || !isRecord(body.error)) return undefined;
  const error = body.error;
  const result: GCPError = {};
  const code = optionalNumber(error.code);
  if (code !== undefined) result.code = code;
  const status = optionalString(error.status);
  if (status) result.status = status;
  const message = optionalString(error.message);
  if (message !== undefined) result.message = message;
  if (Array.isArray(error.details) && error.details.length > 0) result.details = error.details;
  return result;
}

/** The error message a client sees: Google's message, with the structured details appended. */
export function gcpErrorMessage(error: GCPError, fallback: string): string {
  const message = error.message ?? fallback;
  return error.details ? `${message}\nDetails: ${JSON.stringify(error.details)}` : message;
}

export const GCP_VERTEXAI_BACKEND_ERROR = 'GCPVertexAIBackendError';

/**
 * A Vertex AI error response in the OpenAI-client error shape: the type is Google's status name
 * (so clients can tell quota from validation errors), the code the HTTP status. Bodies that are
 * not Google errors (a proxy's HTML page) keep their text under `GCPVertexAIBackendError`.
 */
export function gcpVertexAIErrorBody(status: number, body: Buffer): Buffer {
  const text = body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const error = readGCPError(parsed);
  if (!error) return backendErrorBody(GCP_VERTEXAI_BACKEND_ERROR, status, text);
  return backendErrorBody(error.status ?? GCP_VERTEXAI_BACKEND_ERROR, status, gcpErrorMessage(error, text));
}
