/**
 * OpenInference attributes for a streamed Responses API response (upstream ResponsesRecorder
 * RecordResponseChunks): a "First Token Stream Event" when any event arrived; the
 * `response.completed` event carries the whole response, which adds a "Response Completed
 * Event" and is recorded like a non-streaming one. A stream that never completed (failed,
 * incomplete, cut) records no output and leaves the status unset.
 */
import { isRecord } from '../../../common/json-guards.js';
import { FIRST_TOKEN_STREAM_EVENT } from './chat-stream-attributes.js';
import type { OpenInferenceConfig } from './open-inference-config.js';
import { responsesResponseAttributes } from './responses-response-attributes.js';
import type { SpanEvent, SpanOutcome } from './span-attributes.js';

export const RESPONSE_COMPLETED_EVENT = 'Response Completed Event';

export function responsesStreamAttributes(events: readonly unknown[], config: OpenInferenceConfig): SpanOutcome {
  const spanEvents: SpanEvent[] = events.length > 0 ? [{ name: FIRST_TOKEN_STREAM_EVENT, attributes: [] }] : [];
  let outcome: SpanOutcome = { attributes: [], events: [], status: { code: 'UNSET' } };
  for (const event of events) {
    if (!isRecord(event) || event.type !== 'response.completed' || !isRecord(event.response)) continue;
    spanEvents.push({ name: RESPONSE_COMPLETED_EVENT, attributes: [] });
    const raw = JSON.stringify(event.response);
    outcome = responsesResponseAttributes({ json: event.response, raw, byteLength: Buffer.byteLength(raw) }, config);
  }
  return { ...outcome, events: [...spanEvents, ...outcome.events] };
}
