import { AigwError } from '../../common/errors.js';

/**
 * The small, closed set of errors the ext_proc raises while handling a request. Each has a
 * stable `replyCode` and the HTTP status the client sees; only these reach the client, with a body
 * in the client API's error shape. Anything else is an internal failure and becomes a 500 without
 * details (details go to the log).
 */
export type GatewayReplyCode =
  | 'MALFORMED_REQUEST' // 400: the body is not what the endpoint accepts
  | 'PAYLOAD_TOO_LARGE' // 413: a compressed body decodes to more than the listener's buffer limit
  | 'UNSUPPORTED_MEDIA_TYPE' // 415: a content-encoding the gateway cannot decode
  | 'INVALID_REQUEST_BODY' // 422: valid input the chosen backend cannot express
  | 'UNAUTHORIZED' // 401: a required per-request upstream credential is missing
  | 'UNKNOWN_PATH' // 404
  | 'UPSTREAM_AUTH' // 502: the gateway could not obtain the backend's credential (token endpoint down)
  | 'MODEL_NOT_FOUND' // 404: no AIGatewayRoute rule matches the model
  | 'BACKEND_NOT_FOUND' // 500: Envoy named a backend the config does not have (config bug)
  | 'UPSTREAM_FAILURE' // 502/503/504: no usable answer from the backend (Envoy's own reply, or a body that cannot be read)
  | 'RATE_LIMITED' // 429: over a BackendTrafficPolicy rate limit or QuotaPolicy budget
  | 'RATE_LIMIT_UNAVAILABLE' // 503: the rate-limit counters failed and failure mode deny is on
  | 'INTERNAL'; // 500

const BRAND = Symbol.for('aigw.GatewayError');

/**
 * A GATEWAY AigwError: a request the data plane answers itself. Its client-facing code is
 * `replyCode`, not `code`, which is AigwError's kind of failure (always 'GATEWAY' here).
 */
export class GatewayError extends AigwError {
  readonly [BRAND] = true;
  constructor(
    readonly replyCode: GatewayReplyCode,
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('GATEWAY', message, options);
    this.name = 'GatewayError';
  }

  static isInstance(value: unknown): value is GatewayError {
    return typeof value === 'object' && value !== null && BRAND in value;
  }
}

export function malformedRequest(message: string, cause?: unknown): GatewayError {
  return new GatewayError('MALFORMED_REQUEST', 400, message, { cause });
}

export function invalidRequestBody(message: string): GatewayError {
  return new GatewayError('INVALID_REQUEST_BODY', 422, message);
}
