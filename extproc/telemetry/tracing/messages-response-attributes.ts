/**
 * OpenInference attributes for an Anthropic Messages response (upstream MessageRecorder
 * RecordResponse / buildResponseAttributes). Each content block is one output message with the
 * response's role: text blocks carry their text, tool_use blocks one tool call (input as JSON),
 * other blocks (thinking) only the role. Token counts follow upstream's unified input: the prompt
 * count includes cache reads and writes, which are also given on their own.
 */
import { isRecord, optionalNumber, type JsonRecord } from '../../../common/json-guards.js';
import type { OpenInferenceConfig } from './open-inference-config.js';
import {
  MIME_TYPE_JSON, OI, REDACTED_VALUE, outputMessageKey, outputToolCallKey,
  type SpanAttributes, type SpanOutcome,
} from './span-attributes.js';
import type { SpanResponse } from './span-recorder.js';

function pushOutputMessages(attrs: SpanAttributes, body: JsonRecord, config: OpenInferenceConfig): void {
  if (!Array.isArray(body.content)) return;
  const role = typeof body.role === 'string' ? body.role : '';
  body.content.forEach((block: unknown, i) => {
    attrs.push([outputMessageKey(i, 'message.role'), role]);
    if (!isRecord(block)) return;
    if (block.type === 'text' && typeof block.text === 'string') {
      attrs.push([outputMessageKey(i, 'message.content'), config.hideOutputText ? REDACTED_VALUE : block.text]);
    } else if (block.type === 'tool_use') {
      attrs.push(
        [outputToolCallKey(i, 0, 'tool_call.id'), typeof block.id === 'string' ? block.id : ''],
        [outputToolCallKey(i, 0, 'tool_call.function.name'), typeof block.name === 'string' ? block.name : ''],
        [outputToolCallKey(i, 0, 'tool_call.function.arguments'), JSON.stringify(block.input ?? null)],
      );
    }
  });
}

/** Anthropic usage as upstream's span records it (ExtractTokenUsageFromExplicitCaching). */
export function messagesUsageAttributes(usage: unknown): SpanAttributes {
  const u: JsonRecord = isRecord(usage) ? usage : {};
  const input = optionalNumber(u.input_tokens) ?? 0;
  const output = optionalNumber(u.output_tokens) ?? 0;
  const cacheRead = optionalNumber(u.cache_read_input_tokens) ?? 0;
  const cacheWrite = optionalNumber(u.cache_creation_input_tokens) ?? 0;
  const prompt = input + cacheRead + cacheWrite;
  return [
    [OI.tokenCountPrompt, prompt],
    [OI.tokenCountPromptCacheRead, cacheRead],
    [OI.tokenCountPromptCacheWrite, cacheWrite],
    [OI.tokenCountCompletion, output],
    [OI.tokenCountTotal, prompt + output],
  ];
}

export function messagesResponseAttributes(response: SpanResponse, config: OpenInferenceConfig): SpanOutcome {
  const body: JsonRecord = isRecord(response.json) ? response.json : {};
  const attrs: SpanAttributes = [];
  if (typeof body.model === 'string') attrs.push([OI.llmModelName, body.model]);
  if (!config.hideOutputs) attrs.push([OI.outputMimeType, MIME_TYPE_JSON]);
  if (!config.hideOutputs && !config.hideOutputMessages) pushOutputMessages(attrs, body, config);
  attrs.push(...messagesUsageAttributes(body.usage));
  const output = config.hideOutputs ? REDACTED_VALUE : response.json !== undefined ? JSON.stringify(response.json) : response.raw;
  attrs.push([OI.outputValue, output]);
  return { attributes: attrs, events: [], status: { code: 'OK' } };
}
