import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';

/** One decoded AWS event-stream message. */
export interface AwsStreamMessage {
  /** `:message-type`: `event`, `exception` or `error`. */
  messageType: string;
  /** `:event-type` of events (e.g. `contentBlockDelta`, `chunk`). */
  eventType?: string;
  /** `:exception-type` of exceptions (e.g. `throttlingException`), or `:error-code` of errors. */
  exceptionType?: string;
  /** `:error-message` of `error` messages. */
  errorMessage?: string;
  payload: Buffer;
}

const codec = new EventStreamCodec(toUtf8, fromUtf8);

/**
 * Splits AWS's binary event stream (`application/vnd.amazon.eventstream`, used by Bedrock's
 * streaming APIs) into messages across arbitrary chunk boundaries: a message is decoded only
 * once all of its bytes (length-prefixed, CRC-checked by the codec) have arrived.
 * @see https://docs.aws.amazon.com/transcribe/latest/dg/event-stream.html
 */
export class AwsEventStreamDecoder {
  private pending: Buffer = Buffer.alloc(0);

  /** Feeds one chunk; returns the messages it completed. Throws on a corrupt frame (bad CRC). */
  push(chunk: Buffer): AwsStreamMessage[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const messages: AwsStreamMessage[] = [];
    while (this.pending.length >= 4) {
      const total = this.pending.readUInt32BE(0);
      if (total < 16) throw new Error(`AWS event stream frame of ${total} bytes is shorter than its prelude`);
      if (this.pending.length < total) break;
      const frame = this.pending.subarray(0, total);
      this.pending = this.pending.subarray(total);
      const decoded = codec.decode(frame);
      const header = (name: string): string | undefined => {
        const value = decoded.headers[name];
        return value?.type === 'string' ? value.value : undefined;
      };
      const eventType = header(':event-type');
      const exceptionType = header(':exception-type') ?? header(':error-code');
      const errorMessage = header(':error-message');
      messages.push({
        messageType: header(':message-type') ?? 'event',
        ...(eventType !== undefined ? { eventType } : {}),
        ...(exceptionType !== undefined ? { exceptionType } : {}),
        ...(errorMessage !== undefined ? { errorMessage } : {}),
        payload: Buffer.from(decoded.body.buffer, decoded.body.byteOffset, decoded.body.byteLength),
      });
    }
    return messages;
  }

  /** Bytes of an unfinished message left at the end of the stream (a truncated stream when > 0). */
  get leftover(): number {
    return this.pending.length;
  }
}

/** Encodes one event-stream message (for fake Bedrock upstreams in tests, and for round-trip tests). */
export function encodeAwsEvent(eventType: string, payload: unknown, messageType: 'event' | 'exception' = 'event'): Buffer {
  const typeHeader = messageType === 'event' ? ':event-type' : ':exception-type';
  const frame = codec.encode({
    headers: {
      ':message-type': { type: 'string', value: messageType },
      [typeHeader]: { type: 'string', value: eventType },
      ':content-type': { type: 'string', value: 'application/json' },
    },
    body: fromUtf8(JSON.stringify(payload)),
  });
  return Buffer.from(frame);
}
