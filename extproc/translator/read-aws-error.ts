import { isRecord, optionalString } from '../../common/json-guards.js';

/** An AWS service error response, as read. */
export interface AwsError {
  /** The error type from `x-amzn-errortype` (e.g. `ValidationException`); undefined without the header. */
  errorType?: string;
  /** `message` of a JSON body, else the raw body. */
  message: string;
  /** Whether the body was JSON; a non-JSON body came from something other than the service itself. */
  json: boolean;
}

/**
 * Reads a non-2xx response of an AWS JSON service (Bedrock Converse, InvokeModel). The type
 * header carries a namespace after `:` (`ValidationException:http://internal.amazon.com/…`)
 * that clients have no use for, so it is cut off.
 * @see https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html#operation-error-serialization
 */
export function readAwsError(errorTypeHeader: string | undefined, body: Buffer): AwsError {
  const text = body.toString('utf8');
  const errorType = errorTypeHeader?.split(':')[0]?.trim();
  const error: AwsError = { message: text, json: false, ...(errorType ? { errorType } : {}) };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return error;
  }
  error.json = true;
  // Bedrock writes `message`; AWS's front door (auth failures) writes `Message`.
  if (isRecord(parsed)) error.message = optionalString(parsed.message) ?? optionalString(parsed.Message) ?? text;
  return error;
}
