import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import { STREAM_LIMITS, streamLimitError, type StreamLimits } from '../../common/sse/stream-limits.js';

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
 * once all of its bytes (length-prefixed, CRC-checked by the codec) have arrived. Incremental:
 * the chunks of an unfinished frame are held as they came and joined once, when the frame is
 * complete, so a large frame costs time linear in its size; a frame whose prelude declares more
 * than `limits.awsFrameBytes` is refused before its bytes are held.
 * @see https://docs.aws.amazon.com/transcribe/latest/dg/event-stream.html
 */
export class AwsEventStreamDecoder {
  /** Bytes of unfinished frames, as the chunks they arrived in. */
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly limits: StreamLimits = STREAM_LIMITS) {}

  /**
   * Feeds one chunk; returns the messages it completed.
   * @throws on a corrupt frame (bad CRC, impossible length); an UPSTREAM AigwError (streamLimitError) on a frame over the limit.
   */
  push(chunk: Buffer): AwsStreamMessage[] {
    if (chunk.length > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
    }
    const messages: AwsStreamMessage[] = [];
    while (this.pendingBytes >= 4) {
      const total = this.frameLength();
      if (this.pendingBytes < total) break;
      const bytes = this.pending.length === 1 ? this.pending[0] ?? Buffer.alloc(0) : Buffer.concat(this.pending, this.pendingBytes);
      this.pending = bytes.length > total ? [bytes.subarray(total)] : [];
      this.pendingBytes -= total;
      messages.push(decodeFrame(bytes.subarray(0, total)));
    }
    return messages;
  }

  /** Bytes of an unfinished message left at the end of the stream (a truncated stream when > 0). */
  get leftover(): number {
    return this.pendingBytes;
  }

  /** The total length the next frame's prelude declares (its first 4 bytes, which may span chunks). */
  private frameLength(): number {
    const first = this.pending[0];
    const head = first && first.length >= 4 ? first : Buffer.concat(this.pending, 4);
    const total = head.readUInt32BE(0);
    if (total < 16) throw new Error(`AWS event stream frame of ${total} bytes is shorter than its prelude`);
    if (total > this.limits.awsFrameBytes) throw streamLimitError('AWS event-stream frame', this.limits.awsFrameBytes, total);
    return total;
  }
}

function decodeFrame(frame: Buffer): AwsStreamMessage {
  const decoded = codec.decode(frame);
  const header = (name: string): string | undefined => {
    const value = decoded.headers[name];
    return value?.type === 'string' ? value.value : undefined;
  };
  const eventType = header(':event-type');
  const exceptionType = header(':exception-type') ?? header(':error-code');
  const errorMessage = header(':error-message');
  return {
    messageType: header(':message-type') ?? 'event',
    ...(eventType !== undefined ? { eventType } : {}),
    ...(exceptionType !== undefined ? { exceptionType } : {}),
    ...(errorMessage !== undefined ? { errorMessage } : {}),
    payload: Buffer.from(decoded.body.buffer, decoded.body.byteOffset, decoded.body.byteLength),
  };
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
