/**
 * OpenInference attributes for a streamed Anthropic Messages response (upstream MessageRecorder
 * RecordResponseChunks): a "First Token Stream Event" when any event arrived, then the folded
 * response recorded like a non-streaming one.
 */
import { accumulateMessagesStream } from './accumulate-messages-stream.js';
import { FIRST_TOKEN_STREAM_EVENT } from './chat-stream-attributes.js';
import { messagesResponseAttributes } from './messages-response-attributes.js';
import type { OpenInferenceConfig } from './open-inference-config.js';
import type { SpanOutcome } from './span-attributes.js';

export function messagesStreamAttributes(events: readonly unknown[], config: OpenInferenceConfig): SpanOutcome {
  const response = accumulateMessagesStream(events);
  const raw = JSON.stringify(response);
  const outcome = messagesResponseAttributes({ json: response, raw, byteLength: Buffer.byteLength(raw) }, config);
  return { ...outcome, events: events.length > 0 ? [{ name: FIRST_TOKEN_STREAM_EVENT, attributes: [] }, ...outcome.events] : outcome.events };
}
