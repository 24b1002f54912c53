import { isRecord, optionalNumber, optionalString, type JsonRecord } from '../../common/json-guards.js';
import { AwsEventStreamDecoder, type AwsStreamMessage } from './aws-event-stream.js';
import type { ConverseReasoningDelta, ConverseStreamEvent, ConverseStreamException } from './converse-types.js';
import { readConverseUsage } from './read-converse-response.js';

export type ConverseStreamItem = ConverseStreamEvent | ConverseStreamException;

/**
 * Reads a ConverseStream body (AWS event stream) chunk by chunk into typed events, keeping
 * partial frames across chunks. Exception frames become items too, so that the caller can tell
 * its client; event types the gateway does not know are skipped.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html#API_runtime_ConverseStream_ResponseSyntax
 */
export class ConverseStreamReader {
  private readonly decoder = new AwsEventStreamDecoder();

  /** Feeds one chunk; returns what it completed. Throws on a corrupt frame or payload. */
  push(chunk: Buffer): ConverseStreamItem[] {
    return this.decoder.push(chunk).flatMap(readItem);
  }

  /** Call at the end of the body: a frame cut off midway means the answer is incomplete. */
  finish(): void {
    if (this.decoder.leftover > 0) throw new Error(`AWS Bedrock ConverseStream ended inside a frame (${this.decoder.leftover} bytes left)`);
  }
}

/** Why a stream cut inside a frame is incomplete (undefined when it ended cleanly): for an error event rather than a reset. */
export function leftoverError(reader: ConverseStreamReader): string | undefined {
  try {
    reader.finish();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

function readItem(message: AwsStreamMessage): ConverseStreamItem[] {
  if (message.messageType === 'exception' || message.messageType === 'error') {
    return [{ type: 'exception', exceptionType: message.exceptionType ?? 'unknownException', message: exceptionMessage(message) }];
  }
  if (message.eventType === undefined) return [];
  const payload = parsePayload(message);
  const event = readEvent(message.eventType, payload);
  return event ? [event] : [];
}

function exceptionMessage(message: AwsStreamMessage): string {
  if (message.errorMessage !== undefined) return message.errorMessage;
  const text = message.payload.toString('utf8');
  try {
    const parsed: unknown = JSON.parse(text);
    // AWS services spell it either way (`message` from Bedrock, `Message` from the front door).
    if (isRecord(parsed)) return optionalString(parsed.message) ?? optionalString(parsed.Message) ?? text;
  } catch {
    // Not JSON: the raw text is the best message there is.
  }
  return text;
}

function parsePayload(message: AwsStreamMessage): JsonRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(message.payload.toString('utf8'));
  } catch (error) {
    throw new Error(`AWS Bedrock ConverseStream ${message.eventType ?? ''} event is not JSON`, { cause: error });
  }
  if (!isRecord(parsed)) throw new Error(`AWS Bedrock ConverseStream ${message.eventType ?? ''} event is not a JSON object`);
  return parsed;
}

function readEvent(eventType: string, payload: JsonRecord): ConverseStreamEvent | undefined {
  const index = optionalNumber(payload.contentBlockIndex);
  const contentBlockIndex = index !== undefined ? { contentBlockIndex: index } : {};
  switch (eventType) {
    case 'messageStart':
      return { type: 'messageStart', role: optionalString(payload.role) ?? 'assistant' };
    case 'contentBlockStart': {
      const toolUse = isRecord(payload.start) && isRecord(payload.start.toolUse) ? payload.start.toolUse : undefined;
      const toolUseId = optionalString(toolUse?.toolUseId);
      const name = optionalString(toolUse?.name);
      return { type: 'contentBlockStart', ...contentBlockIndex, ...(toolUseId !== undefined && name !== undefined ? { toolUse: { toolUseId, name } } : {}) };
    }
    case 'contentBlockDelta':
      return { type: 'contentBlockDelta', ...contentBlockIndex, ...readDelta(payload.delta) };
    case 'contentBlockStop':
      return { type: 'contentBlockStop', ...contentBlockIndex };
    case 'messageStop': {
      const stopReason = optionalString(payload.stopReason);
      return { type: 'messageStop', ...(stopReason !== undefined ? { stopReason } : {}) };
    }
    case 'metadata': {
      const usage = readConverseUsage(payload.usage);
      return { type: 'metadata', ...(usage ? { usage } : {}) };
    }
    default:
      return undefined;
  }
}

function readDelta(delta: unknown): { text?: string; toolUseInput?: string; reasoning?: ConverseReasoningDelta } {
  if (!isRecord(delta)) return {};
  if (typeof delta.text === 'string') return { text: delta.text };
  if (isRecord(delta.toolUse) && typeof delta.toolUse.input === 'string') return { toolUseInput: delta.toolUse.input };
  const reasoning = delta.reasoningContent;
  if (isRecord(reasoning)) {
    if (typeof reasoning.text === 'string') return { reasoning: { kind: 'text', text: reasoning.text } };
    if (typeof reasoning.signature === 'string') return { reasoning: { kind: 'signature', signature: reasoning.signature } };
    if (typeof reasoning.redactedContent === 'string') return { reasoning: { kind: 'redacted', data: reasoning.redactedContent } };
  }
  return {};
}
