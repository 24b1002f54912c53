import type { TokenUsage } from '../usage/token-usage.js';

/**
 * The OpenAI chat completion response and stream chunk, as built by translators from other
 * providers' responses. Optional fields are left out rather than null, so clients see only
 * what the provider said.
 * @see https://platform.openai.com/docs/api-reference/chat/object
 */
export type FinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter';

export interface ChatToolCallOut {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ThinkingBlockOut {
  type: 'thinking' | 'redacted_thinking';
  thinking?: string;
  signature?: string;
  data?: string;
}

export interface ChatMessageOut {
  role: 'assistant';
  content?: string | null;
  tool_calls?: ChatToolCallOut[];
  /** Vendor extension (as LiteLLM and upstream aigw emit it): the model's reasoning text. */
  reasoning_content?: string;
  /** Vendor extension: reasoning blocks with signatures, to send back on the next turn. */
  thinking_blocks?: ThinkingBlockOut[];
}

export interface OpenAIUsageOut {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_creation_input_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
}

export interface ChatCompletionOut {
  id?: string;
  object: 'chat.completion';
  created?: number;
  model: string;
  choices: { index: number; message: ChatMessageOut; finish_reason: FinishReason | null }[];
  usage?: OpenAIUsageOut;
}

/** A tool call in a stream chunk: the first delta of a call has id, type and name; later ones only argument text. */
export interface ToolCallDeltaOut {
  index: number;
  id?: string;
  type?: 'function';
  function: { name?: string; arguments: string };
}

export interface ChunkDeltaOut {
  role?: 'assistant';
  content?: string;
  tool_calls?: ToolCallDeltaOut[];
  reasoning_content?: string;
  thinking_blocks?: ThinkingBlockOut[];
}

export interface ChatCompletionChunkOut {
  id?: string;
  object: 'chat.completion.chunk';
  created?: number;
  model: string;
  choices: { index: number; delta: ChunkDeltaOut; finish_reason?: FinishReason | null }[];
  usage?: OpenAIUsageOut;
}

/** OpenAI's `usage` object for counts read from another provider (unknown counts become 0, as OpenAI has no "unknown"). */
export function openAIUsage(usage: TokenUsage): OpenAIUsageOut {
  const out: OpenAIUsageOut = {
    prompt_tokens: usage.inputTokens ?? 0,
    completion_tokens: usage.outputTokens ?? 0,
    total_tokens: usage.totalTokens ?? (usage.inputTokens ?? 0) + (usage.outputTokens ?? 0),
  };
  if (usage.cachedInputTokens !== undefined || usage.cacheCreationInputTokens !== undefined) {
    out.prompt_tokens_details = {
      ...(usage.cachedInputTokens !== undefined ? { cached_tokens: usage.cachedInputTokens } : {}),
      ...(usage.cacheCreationInputTokens !== undefined ? { cache_creation_input_tokens: usage.cacheCreationInputTokens } : {}),
    };
  }
  if (usage.reasoningTokens !== undefined) out.completion_tokens_details = { reasoning_tokens: usage.reasoningTokens };
  return out;
}

/** One SSE event: `data: <json>\n\n`, with an `event:` line when named (Anthropic streams). */
export function sseEvent(data: unknown, event?: string): string {
  return `${event !== undefined ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;
}

/** The end of an OpenAI stream. */
export const SSE_DONE = 'data: [DONE]\n\n';

/** Unix seconds, as OpenAI's `created`. */
export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
