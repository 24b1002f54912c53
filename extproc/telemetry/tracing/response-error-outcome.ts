/**
 * The span outcome for an upstream error response or a gateway local reply
 * (upstream `openinference/response_error.go` RecordResponseError): an "exception" event and an
 * ERROR status whose message is "Error code: N - body".
 */
import type { SpanOutcome } from './span-attributes.js';

/** exception.type per HTTP status (upstream mirrors the openai-python exception classes). */
export function exceptionTypeForStatus(status: number): string {
  switch (status) {
    case 400: return 'BadRequestError';
    case 401: return 'AuthenticationError';
    case 403: return 'PermissionDeniedError';
    case 404: return 'NotFoundError';
    case 429: return 'RateLimitError';
    case 500: case 502: case 503: return 'InternalServerError';
    default: return 'Error';
  }
}

export function responseErrorOutcome(status: number, body: string | Uint8Array): SpanOutcome {
  const text = typeof body === 'string' ? body : Buffer.from(body).toString('utf8');
  const message = text.length > 0 ? `Error code: ${status} - ${text}` : `Error code: ${status}`;
  return {
    attributes: [],
    events: [{
      name: 'exception',
      attributes: [['exception.type', exceptionTypeForStatus(status)], ['exception.message', message]],
    }],
    status: { code: 'ERROR', message },
  };
}
