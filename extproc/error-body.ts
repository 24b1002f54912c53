import type { GatewayError } from './gateway-error.js';

/**
 * The OpenAI error object for errors the gateway itself produces, so OpenAI SDKs surface the
 * message as they would a provider error.
 * @see https://platform.openai.com/docs/guides/error-codes
 */
export function openAIErrorBody(error: GatewayError): string {
  return JSON.stringify({
    error: {
      message: error.message,
      type: error.status < 500 ? 'invalid_request_error' : 'server_error',
      param: null,
      code: error.code.toLowerCase(),
    },
  });
}
