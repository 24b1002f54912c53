import type { TokenUsage } from '../usage/token-usage.js';
import { converseUsageToAnthropic, converseStopReasonToAnthropic } from './converse-to-anthropic-message.js';
import type { ConverseStreamItem } from './converse-stream-reader.js';
import { converseTokenUsage } from './converse-token-usage.js';
import type { ConverseStopReason, ConverseStreamEvent, ConverseUsage } from './converse-types.js';
import { sseEvent } from './openai-chat-response.js';
import { anthropicTypeOfAwsException } from './provider-error.js';

type Json = Record<string, unknown>;
type BlockKind = 'text' | 'thinking' | 'redacted_thinking' | 'tool_use';

/**
 * Turns ConverseStream events into Anthropic's stream events. Converse opens only tool blocks
 * explicitly (`contentBlockStart`); text and reasoning blocks begin with their first delta, so
 * a block is opened (`content_block_start`) when first seen. Converse reports usage in
 * `metadata`, after `messageStop`, so `message_delta` (stop reason and usage) and
 * `message_stop` wait for it, or for the stream's end. Exceptions become `error` events.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStream.html
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
export class ConverseStreamToAnthropic {
  private started = false;
  /** Converse block index → the Anthropic block opened for it (blocks Bedrock sent without an index: keys below 0). */
  private readonly blocks = new Map<number, { index: number; kind: BlockKind; open: boolean }>();
  /** The key of the block opened last: where events without a Converse index go. */
  private lastKey: number | undefined;
  private unindexedBlocks = 0;
  private stopReason: ConverseStopReason | undefined;
  private stopped = false;
  private converseUsage: ConverseUsage | undefined;
  private ended = false;

  constructor(private readonly meta: { id: string; model: string }) {}

  get usage(): TokenUsage {
    return converseTokenUsage(this.converseUsage);
  }

  translate(item: ConverseStreamItem): string {
    if (this.ended) return '';
    if (item.type === 'exception') return this.error(anthropicTypeOfAwsException(item.exceptionType), `${item.exceptionType}: ${item.message}`);
    return this.event(item);
  }

  /** What the stream's end adds: the close if Bedrock stopped without metadata, else an error. */
  end(leftoverError?: string): string {
    if (this.ended) return '';
    if (leftoverError !== undefined) return this.error('api_error', leftoverError);
    if (this.stopped) return this.finish();
    return this.error('api_error', 'the AWS Bedrock stream ended before the message was complete');
  }

  private event(event: ConverseStreamEvent): string {
    switch (event.type) {
      case 'messageStart':
        return this.start();
      case 'contentBlockStart':
        if (!event.toolUse) return '';
        // A tool block start always begins a block, index or not: two calls must not become one.
        return this.open(this.keyOf(event.contentBlockIndex, 'tool_use', true), 'tool_use', { type: 'tool_use', id: event.toolUse.toolUseId, name: event.toolUse.name, input: {} });
      case 'contentBlockDelta':
        return this.delta(event);
      case 'contentBlockStop': {
        const key = event.contentBlockIndex ?? this.lastKey;
        const block = key !== undefined ? this.blocks.get(key) : undefined;
        if (!block?.open) return '';
        block.open = false;
        return sseEvent({ type: 'content_block_stop', index: block.index }, 'content_block_stop');
      }
      case 'messageStop':
        this.stopReason = event.stopReason;
        this.stopped = true;
        return '';
      case 'metadata':
        this.converseUsage = event.usage;
        return this.stopped ? this.finish() : '';
    }
  }

  private delta(event: Extract<ConverseStreamEvent, { type: 'contentBlockDelta' }>): string {
    const index = event.contentBlockIndex;
    if (event.text !== undefined) {
      const at = this.keyOf(index, 'text', false);
      return this.open(at, 'text', { type: 'text', text: '' }) + this.blockDelta(at, { type: 'text_delta', text: event.text });
    }
    if (event.toolUseInput !== undefined) {
      const at = this.keyOf(index, 'tool_use', false);
      return this.open(at, 'tool_use', { type: 'tool_use', id: '', name: '', input: {} }) + this.blockDelta(at, { type: 'input_json_delta', partial_json: event.toolUseInput });
    }
    const reasoning = event.reasoning;
    if (!reasoning) return '';
    // Anthropic sends redacted thinking whole, in its block start: each one is a block of its own.
    if (reasoning.kind === 'redacted') return this.open(this.keyOf(index, 'redacted_thinking', true), 'redacted_thinking', { type: 'redacted_thinking', data: reasoning.data });
    const at = this.keyOf(index, 'thinking', false);
    const opened = this.open(at, 'thinking', { type: 'thinking', thinking: '', signature: '' });
    if (reasoning.kind === 'text') return opened + this.blockDelta(at, { type: 'thinking_delta', thinking: reasoning.text });
    return opened + this.blockDelta(at, { type: 'signature_delta', signature: reasoning.signature });
  }

  /**
   * The block key of an event: its Converse index when Bedrock gave one; else the block opened
   * last, when it is still open and of the same kind (and the event does not start a block of
   * its own), or else a new key.
   */
  private keyOf(converseIndex: number | undefined, kind: BlockKind, startsBlock: boolean): number {
    if (converseIndex !== undefined) return converseIndex;
    const last = this.lastKey !== undefined ? this.blocks.get(this.lastKey) : undefined;
    if (!startsBlock && this.lastKey !== undefined && last?.open === true && last.kind === kind) return this.lastKey;
    this.unindexedBlocks += 1;
    return -this.unindexedBlocks;
  }

  /** Opens the block for a key on first sight (after message_start). */
  private open(converseIndex: number, kind: BlockKind, contentBlock: Json): string {
    if (this.blocks.has(converseIndex)) return '';
    const index = this.blocks.size;
    this.blocks.set(converseIndex, { index, kind, open: true });
    this.lastKey = converseIndex;
    return this.start() + sseEvent({ type: 'content_block_start', index, content_block: contentBlock }, 'content_block_start');
  }

  private blockDelta(converseIndex: number, delta: Json): string {
    const block = this.blocks.get(converseIndex);
    return block ? sseEvent({ type: 'content_block_delta', index: block.index, delta }, 'content_block_delta') : '';
  }

  private start(): string {
    if (this.started) return '';
    this.started = true;
    const message = { id: this.meta.id, type: 'message', role: 'assistant', model: this.meta.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } };
    return sseEvent({ type: 'message_start', message }, 'message_start');
  }

  private finish(): string {
    this.ended = true;
    let out = this.start();
    for (const block of this.blocks.values()) {
      if (!block.open) continue;
      block.open = false;
      out += sseEvent({ type: 'content_block_stop', index: block.index }, 'content_block_stop');
    }
    const delta = { type: 'message_delta', delta: { stop_reason: converseStopReasonToAnthropic(this.stopReason), stop_sequence: null }, usage: converseUsageToAnthropic(this.converseUsage) };
    return out + sseEvent(delta, 'message_delta') + sseEvent({ type: 'message_stop' }, 'message_stop');
  }

  private error(type: string, message: string): string {
    this.ended = true;
    return sseEvent({ type: 'error', error: { type, message } }, 'error');
  }
}
