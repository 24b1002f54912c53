/**
 * OpenInference attributes for a streamed chat completion, recorded at end of stream
 * (upstream ChatCompletionRecorder.RecordResponseChunks): a "First Token Stream Event" when any
 * chunk arrived, then the accumulated response recorded like a non-streaming one.
 */
import { accumulateChatStream } from './accumulate-chat-stream.js';
import { chatResponseAttributes } from './chat-response-attributes.js';
import type { OpenInferenceConfig } from './open-inference-config.js';
import type { SpanOutcome } from './span-attributes.js';

export const FIRST_TOKEN_STREAM_EVENT = 'First Token Stream Event';

/** @param chunks the parsed JSON of each SSE `data:` event, in order (without `[DONE]`). */
export function chatStreamAttributes(chunks: readonly unknown[], config: OpenInferenceConfig): SpanOutcome {
  const response = accumulateChatStream(chunks);
  const outcome = chatResponseAttributes(response, JSON.stringify(response), config);
  return {
    attributes: outcome.attributes,
    events: chunks.length > 0 ? [{ name: FIRST_TOKEN_STREAM_EVENT, attributes: [] }, ...outcome.events] : outcome.events,
    status: outcome.status,
  };
}
