import { convertGeminiUsage } from '../usage/convert-gemini-usage.js';
import { createdFromTime, geminiPartsToOpenAI } from './gemini-parts-to-openai.js';
import { geminiFinishReasonToChat } from './gemini-finish-reason-to-chat.js';
import { openAIUsage, type ChatCompletionOut, type ChatMessageOut } from './openai-chat-response.js';
import type { GeminiResponse } from './read-gemini-response.js';

/**
 * A whole Gemini response as an OpenAI chat completion, one choice per candidate, with `model`
 * as the caller names it (the model that answered). `id` and
 * `created` are only set when Gemini reported them (`responseId`, `createTime`): inventing them
 * would make responses differ from upstream aigw's. A prompt Gemini refused outright (no
 * candidates, `promptFeedback.blockReason`) is one empty choice finished by `content_filter`.
 */
export function geminiToChatCompletion(response: GeminiResponse, model: string): ChatCompletionOut {
  const created = createdFromTime(response.createTime);
  const completion: ChatCompletionOut = {
    ...(response.responseId !== undefined ? { id: response.responseId } : {}),
    object: 'chat.completion',
    ...(created !== undefined ? { created } : {}),
    model,
    choices: response.candidates.map((candidate) => {
      const pieces = geminiPartsToOpenAI(candidate.parts);
      const message: ChatMessageOut = { role: 'assistant', content: pieces.text ?? null };
      if (pieces.toolCalls.length > 0) message.tool_calls = pieces.toolCalls;
      if (pieces.reasoning !== undefined) message.reasoning_content = pieces.reasoning;
      return { index: candidate.index, message, finish_reason: geminiFinishReasonToChat(candidate.finishReason, pieces.toolCalls.length > 0) };
    }),
  };
  if (completion.choices.length === 0 && response.blockReason !== undefined) {
    completion.choices.push({ index: 0, message: { role: 'assistant', content: null }, finish_reason: 'content_filter' });
  }
  const usage = convertGeminiUsage(response.usageMetadata);
  if (usage) completion.usage = openAIUsage(usage);
  return completion;
}
