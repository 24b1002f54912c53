import type { FinishReason } from './openai-chat-response.js';

/** Gemini finish reasons that mean a filter stopped the output (text or image). */
const FILTERED = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'MODEL_ARMOR',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
]);

/**
 * Gemini's `finishReason` as OpenAI's. Gemini says STOP after a function call, so a candidate
 * that called tools reports `tool_calls`, as OpenAI does. Reasons OpenAI has no word for
 * (OTHER, MALFORMED_FUNCTION_CALL, …) become `stop`: the generation did end. No reason yet
 * (mid-stream) is null.
 * @see https://cloud.google.com/vertex-ai/generative-ai/docs/reference/rest/v1/GenerateContentResponse#FinishReason
 */
export function geminiFinishReasonToChat(reason: string | undefined, calledTools: boolean): FinishReason | null {
  if (reason === undefined) return null;
  if (reason === 'MAX_TOKENS') return 'length';
  if (FILTERED.has(reason)) return 'content_filter';
  return calledTools ? 'tool_calls' : 'stop';
}
