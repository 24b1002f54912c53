import type { ClientAPI } from '../request/endpoints.js';
import type { GatewayError } from './gateway-error.js';
import { anthropicErrorType } from '../translator/backend-error-body.js';

/** Upstream's error `type` per status, for errors the gateway itself raises. */
const OPENAI_ERROR_TYPE: Partial<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  404: 'NotFound',
  408: 'RequestTimeout',
  413: 'PayloadTooLarge',
  415: 'UnsupportedMediaType',
  422: 'UnprocessableEntity',
  431: 'RequestHeaderFieldsTooLarge',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
  504: 'GatewayTimeout',
};

/** The OpenAI-compatible error `type` of a status, as upstream aigw names it. */
export function openAIErrorType(status: number): string {
  return OPENAI_ERROR_TYPE[status] ?? 'InternalServerError';
}

/** Upstream's message prefixes, which clients and log searches match on. */
const MESSAGE_PREFIX: Partial<Record<GatewayError['replyCode'], string>> = {
  MALFORMED_REQUEST: 'malformed request: ',
  INVALID_REQUEST_BODY: 'invalid request body: ',
};

/**
 * The error body for errors the gateway itself produces, in upstream aigw's OpenAI-compatible
 * shape `{"type":"error","error":{"type","code","message"}}`: OpenAI SDKs surface `error.message`
 * as they would a provider's, and the same body the upstream gateway sends keeps clients portable.
 */
export function openAIErrorBody(error: GatewayError): string {
  return JSON.stringify({
    type: 'error',
    error: { type: openAIErrorType(error.status), code: String(error.status), message: (MESSAGE_PREFIX[error.replyCode] ?? '') + error.message },
  });
}

/** The error body for the client's API: OpenAI's, Anthropic's, or Cohere's (`{"message"}`). */
export function gatewayErrorBody(error: GatewayError, clientAPI: ClientAPI): string {
  switch (clientAPI) {
    case 'openai':
      return openAIErrorBody(error);
    case 'anthropic':
      // @see https://docs.anthropic.com/en/api/errors
      return JSON.stringify({ type: 'error', error: { type: anthropicErrorType(error.status), message: (MESSAGE_PREFIX[error.replyCode] ?? '') + error.message } });
    case 'cohere':
      // @see https://docs.cohere.com/reference/errors
      return JSON.stringify({ message: (MESSAGE_PREFIX[error.replyCode] ?? '') + error.message });
  }
}
