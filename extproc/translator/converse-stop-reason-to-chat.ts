import type { ConverseStopReason } from './converse-types.js';
import type { FinishReason } from './openai-chat-response.js';

/**
 * OpenAI's `finish_reason` for a Converse stop reason. Beyond upstream's table, a guardrail
 * intervention is reported as `content_filter` (the text is the guardrail's, not an answer) and
 * a full context window as `length`; anything else, or none, is `stop`.
 */
export function converseStopReasonToChat(stopReason: ConverseStopReason | undefined): FinishReason {
  switch (stopReason) {
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool_calls';
    case 'content_filtered':
    case 'guardrail_intervened':
      return 'content_filter';
    default:
      return 'stop';
  }
}
