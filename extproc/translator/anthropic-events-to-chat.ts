import { isRecord, optionalNumber, optionalString, type JsonRecord } from '../../common/json-guards.js';
import type { TokenUsage } from '../usage/token-usage.js';
import type { AnthropicStreamEvent } from './anthropic-event-source.js';
import { finishReasonOf } from './anthropic-message-to-chat.js';
import { backendErrorBody } from './backend-error-body.js';
import { openAIUsage, sseEvent, SSE_DONE, unixSeconds, type ChatCompletionChunkOut, type ChunkDeltaOut, type FinishReason } from './openai-chat-response.js';
import { anthropicErrorStatus } from './provider-error.js';

/**
 * Turns an Anthropic Messages event stream into OpenAI `chat.completion.chunk` SSE:
 * text deltas become `content`, each `tool_use` block one tool call (numbered in order of
 * appearance, as OpenAI numbers them) whose `input_json_delta`s are its argument deltas,
 * thinking becomes `reasoning_content` (signatures and redacted blocks as `thinking_blocks`),
 * `message_delta` the finish reason. At `message_stop` comes the usage chunk (when the client
 * asked for it with `stream_options.include_usage`) and `[DONE]`. A provider `error` event is
 * relayed as an OpenAI error object, which the OpenAI SDKs raise; a stream that ends before
 * the message finished gets one too, so a cut stream never looks complete.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */
export class AnthropicEventsToChat {
  private id: string | undefined;
  private model: string | undefined;
  private readonly created = unixSeconds();
  /** Anthropic content block index → OpenAI tool call index. */
  private readonly toolIndex = new Map<number, number>();
  private finishReason: FinishReason | undefined;
  private ended = false;

  constructor(
    private readonly options: {
      fallbackModel: string;
      includeUsage: boolean;
      /** The usage so far (the caller accumulates it from the same events). */
      usage: () => TokenUsage;
    },
  ) {}

  /** The SSE text for one event (empty when it maps to nothing). */
  handle(event: AnthropicStreamEvent): string {
    if (this.ended) return '';
    const json = event.json;
    switch (event.type) {
      case 'message_start':
        if (isRecord(json.message)) {
          this.id = optionalString(json.message.id);
          this.model = optionalString(json.message.model);
        }
        return this.chunk({ role: 'assistant', content: '' });
      case 'content_block_start':
        return isRecord(json.content_block) ? this.blockStart(optionalNumber(json.index) ?? 0, json.content_block) : '';
      case 'content_block_delta':
        return isRecord(json.delta) ? this.blockDelta(optionalNumber(json.index) ?? 0, json.delta) : '';
      case 'message_delta':
        if (!isRecord(json.delta) || json.delta.stop_reason === undefined || json.delta.stop_reason === null) return '';
        this.finishReason = finishReasonOf(json.delta.stop_reason);
        return this.chunk({}, this.finishReason);
      case 'message_stop':
        return this.finish();
      case 'error':
        return this.error(json);
      default:
        // ping, content_block_stop and event types added later carry nothing for OpenAI.
        return '';
    }
  }

  /** What the stream's end adds: nothing after `message_stop`, else the close or an error. */
  end(): string {
    if (this.ended) return '';
    // A provider may end right after message_delta: that message is complete.
    if (this.finishReason !== undefined) return this.finish();
    return this.error({ error: { type: 'api_error', message: 'the provider stream ended before the message was complete' } });
  }

  private blockStart(index: number, block: JsonRecord): string {
    switch (block.type) {
      case 'tool_use': {
        const toolIndex = this.toolIndex.size;
        this.toolIndex.set(index, toolIndex);
        // Anthropic starts every tool_use with `input: {}` and streams the input; a relay that
        // sends the whole input up front must not lose it.
        const input = isRecord(block.input) && Object.keys(block.input).length > 0 ? JSON.stringify(block.input) : '';
        return this.chunk({
          tool_calls: [{ index: toolIndex, id: optionalString(block.id) ?? '', type: 'function', function: { name: optionalString(block.name) ?? '', arguments: input } }],
        });
      }
      case 'text':
        return typeof block.text === 'string' && block.text !== '' ? this.chunk({ content: block.text }) : '';
      case 'thinking':
        return typeof block.thinking === 'string' && block.thinking !== '' ? this.chunk({ reasoning_content: block.thinking }) : '';
      case 'redacted_thinking':
        return typeof block.data === 'string' ? this.chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: block.data }] }) : '';
      default:
        return '';
    }
  }

  private blockDelta(index: number, delta: JsonRecord): string {
    switch (delta.type) {
      case 'text_delta':
        return typeof delta.text === 'string' ? this.chunk({ content: delta.text }) : '';
      case 'input_json_delta': {
        const toolIndex = this.toolIndex.get(index);
        const partial = optionalString(delta.partial_json) ?? '';
        if (toolIndex === undefined || partial === '') return '';
        return this.chunk({ tool_calls: [{ index: toolIndex, function: { arguments: partial } }] });
      }
      case 'thinking_delta':
        return typeof delta.thinking === 'string' ? this.chunk({ reasoning_content: delta.thinking }) : '';
      case 'signature_delta':
        // The text already went out as reasoning_content; the signature completes the block.
        return typeof delta.signature === 'string' ? this.chunk({ thinking_blocks: [{ type: 'thinking', signature: delta.signature }] }) : '';
      default:
        return '';
    }
  }

  private finish(): string {
    this.ended = true;
    let out = '';
    if (this.options.includeUsage) {
      const usageChunk: ChatCompletionChunkOut = { ...this.head(), choices: [], usage: openAIUsage(this.options.usage()) };
      out += sseEvent(usageChunk);
    }
    return out + SSE_DONE;
  }

  private error(json: JsonRecord): string {
    this.ended = true;
    const error = isRecord(json.error) ? json.error : {};
    const type = optionalString(error.type) ?? 'api_error';
    const body = backendErrorBody(type, anthropicErrorStatus(type), optionalString(error.message) ?? 'error in the provider stream');
    return `data: ${body.toString('utf8')}\n\n`;
  }

  private head(): Omit<ChatCompletionChunkOut, 'choices'> {
    return { ...(this.id !== undefined ? { id: this.id } : {}), object: 'chat.completion.chunk', created: this.created, model: this.model ?? this.options.fallbackModel };
  }

  private chunk(delta: ChunkDeltaOut, finishReason: FinishReason | null = null): string {
    const chunk: ChatCompletionChunkOut = { ...this.head(), choices: [{ index: 0, delta, finish_reason: finishReason }] };
    return sseEvent(chunk);
  }
}
