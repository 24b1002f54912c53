import { parsesAsJson } from '../../common/json-guards.js';

/**
 * The error body the gateway sends when it rewrites a provider's error for an OpenAI-API
 * client: upstream's `{"type":"error","error":{"type","code","message"}}` shape, which the
 * OpenAI SDKs read (`error.message`, `error.type`, `error.code`).
 */
export function backendErrorBody(type: string, status: number, message: string): Buffer {
  return Buffer.from(JSON.stringify({ type: 'error', error: { type, code: String(status), message } }));
}

/** Anthropic's error `type` for an HTTP status, for errors that did not come with one. */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
      return 'service_unavailable_error';
    case 504:
      return 'timeout_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

/**
 * Anthropic's error body (`{"type":"error","error":{"type","message"}}`), which the Anthropic
 * SDKs read.
 * @see https://docs.anthropic.com/en/api/errors
 */
export function anthropicErrorBody(type: string, message: string): Buffer {
  return Buffer.from(JSON.stringify({ type: 'error', error: { type, message } }));
}

/** Whether a body parses as JSON (errors that do are passed through unchanged). */
export function isJsonBody(body: Buffer): boolean {
  return parsesAsJson(body.toString('utf8'));
}
