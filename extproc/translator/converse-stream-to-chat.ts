import { mergeUsage, type TokenUsage } from '../usage/token-usage.js';
import type { ConverseStreamItem } from './converse-stream-reader.js';
import { converseTokenUsage } from './converse-token-usage.js';
import type { ConverseStreamEvent } from './converse-types.js';
import { converseStopReasonToChat } from './converse-stop-reason-to-chat.js';
import { openAIUsage, sseEvent, type ChatCompletionChunkOut, type ChunkDeltaOut } from './openai-chat-response.js';

/** The end of a translated Bedrock stream: upstream sends a single newline here (`sseDoneFullLine`). */
const SSE_DONE_LINE = 'data: [DONE]\n';

/**
 * Turns ConverseStream events into OpenAI `chat.completion.chunk` SSE events, one stream per
 * instance. Each tool block Bedrock starts is the next tool call (OpenAI's `index`: 0, 1, …);
 * its argument deltas find it by Converse block index, or, when Bedrock leaves the index out, are
 * the last started call's. The usage chunk (`choices: []`) follows OpenAI's contract: it is sent
 * only when the client asked for it (`stream_options.include_usage`); the usage is read either way.
 */
export class ConverseStreamToChat {
  /** Tool calls started so far: the next one's `index`. */
  private toolCalls = 0;
  /** The OpenAI `index` of the tool call each Converse tool block began. */
  private readonly toolCallOfBlock = new Map<number, number>();
  /** The last tool call started: where deltas without a block index go. */
  private currentToolCall: number | undefined;
  private usageSoFar: TokenUsage = {};
  /** Bedrock sent `messageStop`: the message is complete. */
  private stopped = false;
  /** An error event already told the client the answer is cut short. */
  private failed = false;

  constructor(private readonly meta: { id?: string; model: string; created: number; includeUsage: boolean }) {}

  /** Usage reported so far (Bedrock's `metadata` event). */
  get usage(): TokenUsage {
    return this.usageSoFar;
  }

  /** The SSE text for one stream item (empty when the item shows nothing to the client). */
  translate(item: ConverseStreamItem): string {
    if (item.type === 'exception') {
      // OpenAI's SDKs raise on an `error` object in a stream: the client learns the answer is cut short.
      this.failed = true;
      return sseEvent({ error: { type: item.exceptionType, message: item.message } });
    }
    return this.chunks(item)
      .map((chunk) => sseEvent(chunk))
      .join('');
  }

  /**
   * What the stream's end adds: `[DONE]` after `messageStop` (or after an exception, already
   * reported), else an error event — a stream cut inside a frame (`leftoverError`) or between
   * frames before the message finished must not look complete.
   */
  end(leftoverError?: string): string {
    if (leftoverError !== undefined) return sseEvent({ error: { type: 'api_error', message: leftoverError } });
    if (this.stopped || this.failed) return SSE_DONE_LINE;
    return sseEvent({ error: { type: 'api_error', message: 'the AWS Bedrock stream ended before the message was complete' } });
  }

  private chunks(event: ConverseStreamEvent): ChatCompletionChunkOut[] {
    switch (event.type) {
      case 'messageStart':
        return [this.chunk({ role: 'assistant', content: '' })];
      case 'contentBlockStart': {
        if (!event.toolUse) return [];
        const index = this.toolCalls++;
        if (event.contentBlockIndex !== undefined) this.toolCallOfBlock.set(event.contentBlockIndex, index);
        this.currentToolCall = index;
        return [this.chunk({ tool_calls: [{ index, id: event.toolUse.toolUseId, type: 'function', function: { name: event.toolUse.name, arguments: '' } }] })];
      }
      case 'contentBlockDelta':
        return this.deltaChunks(event);
      case 'contentBlockStop':
        return [];
      case 'messageStop':
        this.stopped = true;
        return [this.chunk({ role: 'assistant', content: '' }, converseStopReasonToChat(event.stopReason))];
      case 'metadata':
        if (!event.usage) return [];
        this.usageSoFar = mergeUsage(this.usageSoFar, converseTokenUsage(event.usage));
        return this.meta.includeUsage ? [{ ...this.envelope(), choices: [], usage: openAIUsage(this.usageSoFar) }] : [];
    }
  }

  private deltaChunks(event: Extract<ConverseStreamEvent, { type: 'contentBlockDelta' }>): ChatCompletionChunkOut[] {
    if (event.text !== undefined) return [this.chunk({ role: 'assistant', content: event.text })];
    if (event.toolUseInput !== undefined) return [this.chunk({ tool_calls: [{ index: this.toolCallOf(event.contentBlockIndex), function: { arguments: event.toolUseInput } }] })];
    switch (event.reasoning?.kind) {
      case 'text':
        return [this.chunk({ reasoning_content: event.reasoning.text })];
      case 'signature':
        return [this.chunk({ thinking_blocks: [{ type: 'thinking', signature: event.reasoning.signature }] })];
      case 'redacted':
        return [this.chunk({ thinking_blocks: [{ type: 'redacted_thinking', data: event.reasoning.data }] })];
      default:
        return [];
    }
  }

  /** The tool call a delta belongs to: its block's, else the last started (0 if Bedrock started none). */
  private toolCallOf(contentBlockIndex: number | undefined): number {
    const byBlock = contentBlockIndex !== undefined ? this.toolCallOfBlock.get(contentBlockIndex) : undefined;
    return byBlock ?? this.currentToolCall ?? 0;
  }

  private envelope(): Omit<ChatCompletionChunkOut, 'choices'> {
    return {
      ...(this.meta.id !== undefined ? { id: this.meta.id } : {}),
      object: 'chat.completion.chunk',
      created: this.meta.created,
      model: this.meta.model,
    };
  }

  private chunk(delta: ChunkDeltaOut, finishReason?: ChatCompletionChunkOut['choices'][number]['finish_reason']): ChatCompletionChunkOut {
    return { ...this.envelope(), choices: [{ index: 0, delta, ...(finishReason !== undefined ? { finish_reason: finishReason } : {}) }] };
  }
}
