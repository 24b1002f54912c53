import { LOCAL_REPLY_RATE_LIMITED_CODE, RATE_LIMIT_UNAVAILABLE_CODE, RATE_LIMIT_UNAVAILABLE_MESSAGE, RATE_LIMITED_MESSAGE } from '../../contract/filter-config.js';
import type { ClientAPI } from '../request/endpoints.js';
import { gatewayErrorBody } from './error-body.js';
import { GatewayError } from './gateway-error.js';

/**
 * The body of the gateway's own rate-limit reply (429 over a limit, 503 when the counters failed
 * under failure mode deny) in the client API's error shape. OpenAI clients get the body Envoy's
 * local_ratelimit reply has too (`type` rate_limit_error, `code` rate_limit_exceeded), so every
 * 429 the gateway makes reads the same.
 */
export function rateLimitReplyBody(status: 429 | 503, clientAPI: ClientAPI): string {
  const limited = status === 429;
  const message = limited ? RATE_LIMITED_MESSAGE : RATE_LIMIT_UNAVAILABLE_MESSAGE;
  if (clientAPI === 'openai') {
    return JSON.stringify({ error: { message, type: limited ? 'rate_limit_error' : 'server_error', code: limited ? LOCAL_REPLY_RATE_LIMITED_CODE : RATE_LIMIT_UNAVAILABLE_CODE } });
  }
  return gatewayErrorBody(new GatewayError(limited ? 'RATE_LIMITED' : 'RATE_LIMIT_UNAVAILABLE', status, message), clientAPI);
}
