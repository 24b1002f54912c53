import { optionalNumber } from '../../common/json-guards.js';
import type { TokenUsage } from './token-usage.js';

/**
 * The answer of a token counting endpoint, `{"input_tokens": n}` (Anthropic's count_tokens,
 * OpenAI's `/v1/responses/input_tokens`), as the request's input tokens: the gateway reports
 * counting calls as upstream aigw does. Unknown when the answer has no count.
 */
export function readInputTokenCount(answer: Readonly<Record<string, unknown>>): TokenUsage | undefined {
  const count = optionalNumber(answer.input_tokens);
  return count !== undefined ? { inputTokens: count } : undefined;
}
