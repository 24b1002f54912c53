import { isRecord, optionalString, type JsonRecord } from '../../common/json-guards.js';
import { SseReader } from '../../common/sse/sse-reader.js';
import { AwsEventStreamDecoder, type AwsStreamMessage } from './aws-event-stream.js';
import { anthropicTypeOfAwsException } from './provider-error.js';

/** One Anthropic stream event: its JSON text as the provider sent it, and parsed. */
export interface AnthropicStreamEvent {
  type: string;
  json: JsonRecord;
  text: string;
}

/** How the provider frames the Anthropic events of a stream. */
export type AnthropicStreamFraming = 'sse' | 'aws-event-stream';

/**
 * Reads Anthropic Messages stream events out of a response, chunk by chunk, whichever way the
 * provider frames them: SSE (Anthropic, Vertex streamRawPredict) or Bedrock's binary event
 * stream, where each `chunk` event carries one Anthropic event as base64 `bytes`. Bedrock's
 * exception frames (throttling, model errors) become Anthropic `error` events, and a stream cut
 * inside a frame ends with one, so no error is silently dropped.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModelWithResponseStream.html
 */
export class AnthropicEventSource {
  private readonly sse?: SseReader;
  private readonly aws?: AwsEventStreamDecoder;

  constructor(framing: AnthropicStreamFraming) {
    if (framing === 'sse') this.sse = new SseReader();
    else this.aws = new AwsEventStreamDecoder();
  }

  /**
   * The events completed by this chunk. Throws on an event that is not JSON (a broken provider),
   * and an UPSTREAM AigwError (streamLimitError) on a line, event or frame over the gateway's limits.
   */
  push(chunk: Buffer, endOfStream: boolean): AnthropicStreamEvent[] {
    if (this.sse) {
      const events = this.sse.push(chunk).events;
      if (endOfStream) events.push(...this.sse.end().events);
      return events.filter((event) => event.data.trim() !== '').map((event) => parseEvent(event.data));
    }
    const aws = this.aws;
    if (!aws) return [];
    const events = aws.push(chunk).flatMap(fromAwsMessage);
    if (endOfStream && aws.leftover > 0) {
      events.push(errorEvent('api_error', `the provider's event stream ended inside a frame (${aws.leftover} bytes left over)`));
    }
    return events;
  }
}

function parseEvent(text: string): AnthropicStreamEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new Error(`Anthropic stream event is not JSON: ${text.slice(0, 200)}`, { cause });
  }
  if (!isRecord(parsed)) throw new Error(`Anthropic stream event is not a JSON object: ${text.slice(0, 200)}`);
  return { type: optionalString(parsed.type) ?? '', json: parsed, text };
}

function fromAwsMessage(message: AwsStreamMessage): AnthropicStreamEvent[] {
  if (message.messageType !== 'event') {
    let detail: string | undefined = message.errorMessage;
    try {
      const payload: unknown = JSON.parse(message.payload.toString('utf8'));
      if (isRecord(payload)) detail ??= optionalString(payload.message) ?? optionalString(payload.Message);
    } catch {
      // An exception payload that is not JSON still has its type to report.
    }
    const type = message.exceptionType ?? 'unknown exception';
    return [errorEvent(anthropicTypeOfAwsException(message.exceptionType), detail !== undefined ? `${type}: ${detail}` : type)];
  }
  // Only `chunk` events carry model output; anything else AWS adds later is not ours to relay.
  if (message.eventType !== 'chunk') return [];
  const payload = parseEvent(message.payload.toString('utf8')).json;
  const bytes = optionalString(payload.bytes);
  if (bytes === undefined) throw new Error('Bedrock stream chunk has no "bytes"');
  return [parseEvent(Buffer.from(bytes, 'base64').toString('utf8'))];
}

/** An Anthropic `error` event made by the gateway. */
export function errorEvent(type: string, message: string): AnthropicStreamEvent {
  const json = { type: 'error', error: { type, message } };
  return { type: 'error', json, text: JSON.stringify(json) };
}
