/**
 * OpenInference attributes for a Responses API response (upstream `openinference/openai/
 * response_attrs.go` buildResponsesResponseAttributes + ResponsesRecorder.RecordResponse): the
 * model, token counts above zero (cached and cache-creation input, reasoning output), and each
 * output item as one output message: messages with their text parts, function, custom-tool,
 * computer, file-search and web-search calls as one tool call, reasoning as its summary texts.
 * output.mime_type is set even when outputs are hidden, as upstream sets it.
 */
import { isRecord, optionalNumber, type JsonRecord } from '../../../common/json-guards.js';
import type { OpenInferenceConfig } from './open-inference-config.js';
import {
  MIME_TYPE_JSON, OI, REDACTED_VALUE, outputMessageContentKey, outputMessageKey, outputToolCallKey,
  type SpanAttributes, type SpanOutcome,
} from './span-attributes.js';
import type { SpanResponse } from './span-recorder.js';

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function usageAttributes(usage: unknown): SpanAttributes {
  if (!isRecord(usage)) return [];
  const attrs: SpanAttributes = [];
  const push = (key: string, value: number | undefined): void => {
    if (value !== undefined && value > 0) attrs.push([key, value]);
  };
  const input = isRecord(usage.input_tokens_details) ? usage.input_tokens_details : {};
  const output = isRecord(usage.output_tokens_details) ? usage.output_tokens_details : {};
  push(OI.tokenCountPrompt, optionalNumber(usage.input_tokens));
  push(OI.tokenCountCompletion, optionalNumber(usage.output_tokens));
  push(OI.tokenCountTotal, optionalNumber(usage.total_tokens));
  push(OI.tokenCountPromptCacheRead, optionalNumber(input.cached_tokens));
  push(OI.tokenCountPromptCacheWrite, optionalNumber(input.cache_creation_tokens));
  push(OI.tokenCountCompletionReasoning, optionalNumber(output.reasoning_tokens));
  return attrs;
}

function pushToolCall(attrs: SpanAttributes, index: number, config: OpenInferenceConfig, id: string, name?: string, args?: string): void {
  const hide = (value: string): string => (config.hideOutputText ? REDACTED_VALUE : value);
  attrs.push([outputMessageKey(index, 'message.role'), 'assistant'], [outputToolCallKey(index, 0, 'tool_call.id'), hide(id)]);
  if (name !== undefined) attrs.push([outputToolCallKey(index, 0, 'tool_call.function.name'), hide(name)]);
  if (args !== undefined) attrs.push([outputToolCallKey(index, 0, 'tool_call.function.arguments'), hide(args)]);
}

function outputItemAttributes(item: JsonRecord, index: number, config: OpenInferenceConfig): SpanAttributes {
  const attrs: SpanAttributes = [];
  const hide = (value: string): string => (config.hideOutputText ? REDACTED_VALUE : value);
  switch (item.type) {
    case 'message':
      attrs.push([outputMessageKey(index, 'message.role'), text(item.role)]);
      if (Array.isArray(item.content)) {
        item.content.forEach((part: unknown, j) => {
          if (!isRecord(part) || (part.type !== 'output_text' && part.type !== 'refusal')) return;
          attrs.push([outputMessageContentKey(index, j, 'type'), 'text'], [outputMessageContentKey(index, j, 'text'), hide(text(part.type === 'refusal' ? part.refusal : part.text))]);
        });
      }
      break;
    case 'function_call':
      pushToolCall(attrs, index, config, text(item.call_id), text(item.name), text(item.arguments));
      break;
    case 'custom_tool_call':
      // Upstream wraps a custom tool's free-form input as {"input": …}.
      pushToolCall(attrs, index, config, text(item.call_id), text(item.name), JSON.stringify({ input: text(item.input) }));
      break;
    case 'computer_call':
      pushToolCall(attrs, index, config, text(item.call_id));
      break;
    case 'file_search_call':
    case 'web_search_call':
      pushToolCall(attrs, index, config, text(item.id), item.type);
      break;
    case 'reasoning':
      if (Array.isArray(item.summary)) {
        item.summary.forEach((summary: unknown, j) => {
          if (!isRecord(summary)) return;
          attrs.push([outputMessageContentKey(index, j, 'type'), 'text'], [outputMessageContentKey(index, j, 'text'), hide(text(summary.text))]);
        });
      }
      break;
  }
  return attrs;
}

export function responsesResponseAttributes(response: SpanResponse, config: OpenInferenceConfig): SpanOutcome {
  const body: JsonRecord = isRecord(response.json) ? response.json : {};
  const attrs: SpanAttributes = [[OI.outputMimeType, MIME_TYPE_JSON]];
  if (typeof body.model === 'string' && body.model !== '') attrs.push([OI.llmModelName, body.model]);
  attrs.push(...usageAttributes(body.usage));
  if (!config.hideOutputs && !config.hideOutputMessages && Array.isArray(body.output)) {
    body.output.forEach((item: unknown, i) => {
      if (isRecord(item)) attrs.push(...outputItemAttributes(item, i, config));
    });
  }
  const output = config.hideOutputs ? REDACTED_VALUE : response.json !== undefined ? JSON.stringify(response.json) : response.raw;
  attrs.push([OI.outputValue, output]);
  return { attributes: attrs, events: [], status: { code: 'OK' } };
}
