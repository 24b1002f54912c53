import { invalidRequestBody } from '../errors/gateway-error.js';
import { optionalNumber } from '../../common/json-guards.js';
import type { GeminiThinkingConfig } from './gemini-api-types.js';
import type { ChatRequest } from './openai-chat-request.js';

/** Thinking budgets (tokens) for Gemini 2.x, by OpenAI reasoning effort. */
const BUDGETS: Readonly<Record<string, number>> = { none: 0, minimal: 512, low: 1024, medium: 8192, high: 24576, xhigh: 24576 };

/** Thinking levels for Gemini 3 and later, which replace budgets with levels. */
const LEVELS: Readonly<Record<string, string>> = { none: 'MINIMAL', minimal: 'MINIMAL', low: 'LOW', medium: 'MEDIUM', high: 'HIGH', xhigh: 'HIGH' };

/**
 * `reasoning_effort`, or the `thinking` vendor extension (Anthropic's shape, which wins when both
 * are given as it is the more precise), as Gemini's thinking config. Thought summaries are asked
 * for whenever thinking is on, so the client gets them as `reasoning_content`. Gemini 3 cannot
 * switch thinking off, so `none` is its lowest level there.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/thinking
 */
export function openAIReasoningToGeminiThinking(chat: ChatRequest, model: string): GeminiThinkingConfig | undefined {
  if (chat.thinking) {
    if (chat.thinking.type === 'disabled') return { thinkingBudget: 0 };
    if (chat.thinking.type !== 'enabled') throw invalidRequestBody(`thinking.type ${JSON.stringify(chat.thinking.type)} is not "enabled" or "disabled"`);
    const budget = optionalNumber(chat.thinking.budget_tokens);
    return { includeThoughts: true, ...(budget !== undefined ? { thinkingBudget: budget } : {}) };
  }
  const effort = chat.reasoningEffort;
  if (effort === undefined) return undefined;
  // Own keys only: an effort like "__proto__" or "toString" must not find Object.prototype members.
  const level = Object.hasOwn(LEVELS, effort) ? LEVELS[effort] : undefined;
  const budget = Object.hasOwn(BUDGETS, effort) ? BUDGETS[effort] : undefined;
  if (level === undefined || budget === undefined) {
    throw invalidRequestBody(`reasoning_effort ${JSON.stringify(effort)} is not one of ${Object.keys(LEVELS).join(', ')}`);
  }
  const includeThoughts = effort !== 'none';
  if (usesThinkingLevels(model)) return { includeThoughts, thinkingLevel: level };
  return includeThoughts ? { includeThoughts, thinkingBudget: budget } : { thinkingBudget: 0 };
}

/** Gemini 3 and later take `thinkingLevel`; earlier models only a token budget. */
function usesThinkingLevels(model: string): boolean {
  const version = /gemini-(\d+)/.exec(model)?.[1];
  return version !== undefined && Number(version) >= 3;
}
