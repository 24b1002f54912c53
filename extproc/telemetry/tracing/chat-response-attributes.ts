/**
 * OpenInference attributes for a (non-streaming) chat completion response
 * (upstream `openinference/openai/response_attrs.go` buildResponseAttributes + RecordResponse).
 */
import { isRecord, optionalNumber, type JsonRecord } from '../../../common/json-guards.js';
import type { OpenInferenceConfig } from './open-inference-config.js';
import {
  MIME_TYPE_JSON, OI, REDACTED_VALUE,
  outputMessageKey, outputToolCallKey,
  type SpanAttributes, type SpanOutcome,
} from './span-attributes.js';

/** Token counts: metadata, recorded even when outputs are hidden. Zero counts are skipped. */
export function chatUsageAttributes(usage: unknown): SpanAttributes {
  const attrs: SpanAttributes = [];
  if (!isRecord(usage)) return attrs;
  const prompt = optionalNumber(usage.prompt_tokens) ?? 0;
  if (prompt > 0) {
    attrs.push([OI.tokenCountPrompt, prompt]);
    const d = usage.prompt_tokens_details;
    if (isRecord(d)) {
      attrs.push(
        [OI.tokenCountPromptAudio, optionalNumber(d.audio_tokens) ?? 0],
        [OI.tokenCountPromptCacheRead, optionalNumber(d.cached_tokens) ?? 0],
      );
    }
  }
  const completion = optionalNumber(usage.completion_tokens) ?? 0;
  if (completion > 0) {
    attrs.push([OI.tokenCountCompletion, completion]);
    const d = usage.completion_tokens_details;
    if (isRecord(d)) {
      attrs.push(
        [OI.tokenCountCompletionAudio, optionalNumber(d.audio_tokens) ?? 0],
        [OI.tokenCountCompletionReasoning, optionalNumber(d.reasoning_tokens) ?? 0],
      );
    }
  }
  const total = optionalNumber(usage.total_tokens) ?? 0;
  if (total > 0) attrs.push([OI.tokenCountTotal, total]);
  return attrs;
}

function pushOutputMessages(attrs: SpanAttributes, choices: unknown, config: OpenInferenceConfig): void {
  if (!Array.isArray(choices)) return;
  choices.forEach((choice: unknown, i) => {
    if (!isRecord(choice)) return;
    const message: JsonRecord = isRecord(choice.message) ? choice.message : {};
    attrs.push([outputMessageKey(i, 'message.role'), typeof message.role === 'string' ? message.role : '']);
    if (typeof message.content === 'string' && message.content !== '') {
      attrs.push([outputMessageKey(i, 'message.content'), config.hideOutputText ? REDACTED_VALUE : message.content]);
    }
    if (!Array.isArray(message.tool_calls)) return;
    message.tool_calls.forEach((call: unknown, j) => {
      if (!isRecord(call)) return;
      if (typeof call.id === 'string') attrs.push([outputToolCallKey(i, j, 'tool_call.id'), call.id]);
      const fn: JsonRecord = isRecord(call.function) ? call.function : {};
      attrs.push(
        [outputToolCallKey(i, j, 'tool_call.function.name'), typeof fn.name === 'string' ? fn.name : ''],
        [outputToolCallKey(i, j, 'tool_call.function.arguments'), typeof fn.arguments === 'string' ? fn.arguments : ''],
      );
    });
  });
}

/**
 * @param body the parsed response JSON (for a stream: the accumulated response)
 * @param rawBody the response text; output.value is the compact re-serialization of `body`
 *   (upstream re-marshals the decoded response), falling back to `rawBody` when `body` is not an object.
 */
export function chatResponseAttributes(body: unknown, rawBody: string, config: OpenInferenceConfig): SpanOutcome {
  const resp: JsonRecord = isRecord(body) ? body : {};
  const attrs: SpanAttributes = [];
  if (typeof resp.model === 'string') attrs.push([OI.llmModelName, resp.model]);
  if (!config.hideOutputs) attrs.push([OI.outputMimeType, MIME_TYPE_JSON]);
  if (!config.hideOutputs && !config.hideOutputMessages) pushOutputMessages(attrs, resp.choices, config);
  attrs.push(...chatUsageAttributes(resp.usage));
  attrs.push([OI.outputValue, config.hideOutputs ? REDACTED_VALUE : isRecord(body) ? JSON.stringify(body) : rawBody]);
  return { attributes: attrs, events: [], status: { code: 'OK' } };
}
