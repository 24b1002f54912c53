/** OpenInference outcome of a chat completion that ended in a non-2xx response. */
import { responseErrorOutcome } from './response-error-outcome.js';
import type { SpanOutcome } from './span-attributes.js';

export function chatErrorAttributes(status: number, body: string | Uint8Array): SpanOutcome {
  return responseErrorOutcome(status, body);
}
