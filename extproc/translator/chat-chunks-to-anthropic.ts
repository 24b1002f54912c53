import { isRecord, optionalNumber, optionalString, type JsonRecord } from '../../common/json-guards.js';
import type { TokenUsage } from '../usage/token-usage.js';
import { anthropicErrorType } from './backend-error-body.js';
import { anthropicUsageOut, stopReasonOf } from './chat-to-anthropic-message.js';
import { sseEvent } from './openai-chat-response.js';

type Json = Record<string, unknown>;

type OpenBlock = { kind: 'text' | 'thinking'; index: number } | { kind: 'tool'; index: number; toolIndex: number };

/**
 * Turns OpenAI `chat.completion.chunk` payloads into Anthropic's stream events, in the order
 * Anthropic clients rely on: `message_start`; then per content block `content_block_start`,
 * its deltas, `content_block_stop` (one block open at a time, indices counting up from 0);
 * `message_delta` with the stop reason and usage; `message_stop`. Reasoning deltas open a
 * thinking block, text a text block, each new tool call a `tool_use` block whose argument
 * deltas are `input_json_delta`s. An OpenAI error object in the stream becomes an `error`
 * event, as does a stream that ends before the backend finished.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
export class ChatChunksToAnthropic {
  private started = false;
  private nextIndex = 0;
  private open: OpenBlock | undefined;
  /** OpenAI tool call index → its Anthropic block index (a late delta still finds its block). */
  private readonly toolBlocks = new Map<number, number>();
  private finishReason: unknown;
  private ended = false;

  constructor(
    private readonly options: {
      fallbackModel: string;
      /** The usage so far (the caller reads it from the same chunks). */
      usage: () => TokenUsage;
    },
  ) {}

  /** The Anthropic events for one parsed chunk of the OpenAI stream. */
  handle(chunk: JsonRecord): string {
    if (this.ended) return '';
    if (isRecord(chunk.error)) return this.error(optionalString(chunk.error.message) ?? 'error in the backend stream', optionalString(chunk.error.type));
    let out = this.start(chunk);
    const choice: unknown = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (!isRecord(choice)) return out;
    const delta = isRecord(choice.delta) ? choice.delta : {};
    const reasoning = optionalString(delta.reasoning_content) ?? optionalString(delta.reasoning);
    if (reasoning) out += this.append('thinking', { type: 'thinking_delta', thinking: reasoning });
    const text = optionalString(delta.content);
    if (text) out += this.append('text', { type: 'text_delta', text });
    if (Array.isArray(delta.tool_calls)) for (const call of delta.tool_calls) if (isRecord(call)) out += this.toolDelta(call);
    if (choice.finish_reason !== undefined && choice.finish_reason !== null) this.finishReason = choice.finish_reason;
    return out;
  }

  /** `data: [DONE]`: the backend finished. */
  done(): string {
    return this.ended ? '' : this.finish();
  }

  /** What the stream's end adds: the close when the backend finished, else an error. */
  end(): string {
    if (this.ended) return '';
    if (this.finishReason !== undefined) return this.finish();
    return this.error('the backend stream ended before the message was complete');
  }

  private start(chunk: JsonRecord): string {
    if (this.started) return '';
    this.started = true;
    const message = {
      id: optionalString(chunk.id) ?? '',
      type: 'message',
      role: 'assistant',
      model: optionalString(chunk.model) ?? this.options.fallbackModel,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      // Counts come with the last chunk; message_delta reports them.
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    return sseEvent({ type: 'message_start', message }, 'message_start');
  }

  /** A text or thinking delta, opening its block first when another kind is open. */
  private append(kind: 'text' | 'thinking', delta: Json): string {
    let out = '';
    if (this.open?.kind !== kind) {
      out += this.close();
      const index = this.nextIndex++;
      this.open = { kind, index };
      const block = kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' };
      out += sseEvent({ type: 'content_block_start', index, content_block: block }, 'content_block_start');
    }
    return out + sseEvent({ type: 'content_block_delta', index: this.open.index, delta }, 'content_block_delta');
  }

  private toolDelta(call: JsonRecord): string {
    const toolIndex = optionalNumber(call.index) ?? 0;
    const fn = isRecord(call.function) ? call.function : {};
    let out = '';
    let index = this.toolBlocks.get(toolIndex);
    if (index === undefined) {
      out += this.close();
      index = this.nextIndex++;
      this.toolBlocks.set(toolIndex, index);
      this.open = { kind: 'tool', index, toolIndex };
      const block = { type: 'tool_use', id: optionalString(call.id) ?? '', name: optionalString(fn.name) ?? '', input: {} };
      out += sseEvent({ type: 'content_block_start', index, content_block: block }, 'content_block_start');
    }
    const partial = optionalString(fn.arguments);
    if (partial) out += sseEvent({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: partial } }, 'content_block_delta');
    return out;
  }

  private close(): string {
    if (!this.open) return '';
    const index = this.open.index;
    this.open = undefined;
    return sseEvent({ type: 'content_block_stop', index }, 'content_block_stop');
  }

  private finish(): string {
    this.ended = true;
    let out = this.start({});
    out += this.close();
    out += sseEvent({ type: 'message_delta', delta: { stop_reason: stopReasonOf(this.finishReason), stop_sequence: null }, usage: anthropicUsageOut(this.options.usage()) }, 'message_delta');
    return out + sseEvent({ type: 'message_stop' }, 'message_stop');
  }

  private error(message: string, type?: string): string {
    this.ended = true;
    // OpenAI's error types are not Anthropic's; the generic one keeps the SDKs' handling right.
    const anthropicType = type === 'invalid_request_error' || type === 'rate_limit_error' ? type : anthropicErrorType(500);
    return sseEvent({ type: 'error', error: { type: anthropicType, message } }, 'error');
  }
}
