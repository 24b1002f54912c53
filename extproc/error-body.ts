import type { ClientAPI } from './endpoints.js';
import type { GatewayError } from './gateway-error.js';
import { anthropicErrorType } from './translator/backend-error-body.js';

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

/** The error body for the client's API: OpenAI's, Anthropic's, or Cohere's (`{"message"}`). */
export function gatewayErrorBody(error: GatewayError, clientAPI: ClientAPI): string {
  switch (clientAPI) {
    case 'openai':
      return openAIErrorBody(error);
    case 'anthropic':
      // @see https://docs.anthropic.com/en/api/errors
      return JSON.stringify({ type: 'error', error: { type: anthropicErrorType(error.status), message: error.message } });
    case 'cohere':
      // @see https://docs.cohere.com/reference/errors
      return JSON.stringify({ message: error.message });
  }
}
