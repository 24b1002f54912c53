import type { ClientAPI } from './endpoints.js';
import { immediateResponse } from '../server/envoy-messages.js';
import { gatewayErrorBody } from '../errors/error-body.js';
import type { GatewayError } from '../errors/gateway-error.js';
import type { ProcessingResponse } from '../generated/envoy/service/ext_proc/v3/ProcessingResponse.js';

/** The gateway answers the request itself: `error` as a local reply in the client API's error shape. */
export function errorResponse(error: GatewayError, clientAPI: ClientAPI = 'openai'): ProcessingResponse {
  return immediateResponse(error.status, gatewayErrorBody(error, clientAPI), 'application/json');
}
