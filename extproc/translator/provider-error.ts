import { isRecord, optionalString, type JsonRecord } from '../../common/json-guards.js';
import { anthropicErrorBody, anthropicErrorType, backendErrorBody } from './backend-error-body.js';
import type { ResponseErrorTranslation, ResponseHeaders } from './translator.js';

/** What a provider's error body says, whichever provider's shape it has. */
export interface ProviderError {
  /** The body is Anthropic's own error shape (`{"type":"error","error":{"type","message"}}`). */
  anthropicShape: boolean;
  type?: string;
  message?: string;
}

/**
 * Reads an error body in the shapes the Anthropic-family backends answer with: Anthropic's
 * `{"type":"error","error":{type,message}}`, Google's `{"error":{code,message,status}}` (also
 * as a one-element array), OpenAI's `{"error":{type,message}}`, AWS's `{"message"}`.
 * Undefined when the body is not JSON.
 */
export function readProviderError(body: Buffer): ProviderError | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  if (Array.isArray(parsed)) parsed = parsed[0];
  if (!isRecord(parsed)) return { anthropicShape: false };
  const error: JsonRecord | undefined = isRecord(parsed.error) ? parsed.error : undefined;
  if (error) {
    const type = optionalString(error.type) ?? optionalString(error.status);
    const message = optionalString(error.message);
    return { anthropicShape: parsed.type === 'error' && typeof error.type === 'string', ...defined({ type, message }) };
  }
  const message = optionalString(parsed.message) ?? optionalString(parsed.Message);
  return { anthropicShape: false, ...defined({ type: optionalString(parsed.__type), message }) };
}

function defined(fields: { type: string | undefined; message: string | undefined }): { type?: string; message?: string } {
  return { ...(fields.type !== undefined ? { type: fields.type } : {}), ...(fields.message !== undefined ? { message: fields.message } : {}) };
}

/**
 * An Anthropic-family provider's error for an OpenAI-API client, in the gateway's
 * `{"type":"error","error":{type,code,message}}` shape. The type is Bedrock's
 * `x-amzn-errortype` header when there is one (without its `:namespace` suffix), else the
 * body's own type; a body that is not JSON is the message of `fallbackType`.
 */
export function openAIErrorFromProvider(status: number, body: Buffer, headers: ResponseHeaders, fallbackType: string): ResponseErrorTranslation {
  const error = readProviderError(body);
  const raw = body.toString('utf8');
  if (!error) return { body: backendErrorBody(fallbackType, status, raw), contentType: 'application/json' };
  const awsType = headers['x-amzn-errortype']?.split(':')[0];
  const type = awsType || error.type || fallbackType;
  return { body: backendErrorBody(type, status, error.message ?? raw), contentType: 'application/json' };
}

/**
 * A provider's error for an Anthropic-API client: Anthropic's own shape passes through (from
 * Anthropic, or relayed by Vertex); anything else is rewritten into it, keeping the provider's
 * message and choosing the type from the status, as the Anthropic SDKs expect.
 * @see https://docs.anthropic.com/en/api/errors
 */
export function anthropicErrorFromProvider(status: number, body: Buffer): ResponseErrorTranslation {
  const error = readProviderError(body);
  if (error?.anthropicShape) return {};
  const message = error?.message ?? body.toString('utf8');
  return { body: anthropicErrorBody(anthropicErrorType(status), message), contentType: 'application/json' };
}

/** The HTTP status behind an Anthropic error type (for errors that arrive inside a stream). */
export function anthropicErrorStatus(type: string): number {
  switch (type) {
    case 'invalid_request_error':
      return 400;
    case 'authentication_error':
      return 401;
    case 'permission_error':
      return 403;
    case 'not_found_error':
      return 404;
    case 'request_too_large':
      return 413;
    case 'rate_limit_error':
      return 429;
    case 'service_unavailable_error':
      return 503;
    case 'timeout_error':
      return 504;
    case 'overloaded_error':
      return 529;
    default:
      return 500;
  }
}

/**
 * Anthropic's error type for an exception Bedrock sends inside an event stream, so a stream
 * error reaches clients with the type they would have seen from Anthropic.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ResponseStream.html
 */
export function anthropicTypeOfAwsException(exceptionType: string | undefined): string {
  switch (exceptionType) {
    case 'throttlingException':
      return 'rate_limit_error';
    case 'serviceUnavailableException':
      return 'overloaded_error';
    case 'validationException':
      return 'invalid_request_error';
    case 'accessDeniedException':
      return 'permission_error';
    case 'resourceNotFoundException':
      return 'not_found_error';
    case 'modelTimeoutException':
      return 'timeout_error';
    default:
      return 'api_error';
  }
}
