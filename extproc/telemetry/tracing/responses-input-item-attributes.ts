/**
 * The input message attributes of one Responses API input item (upstream
 * `openinference/openai/request_attrs.go` handleInputItemUnionAttrs), following the Python
 * OpenInference `_responses_api.py`: messages give their role and text and image parts; function,
 * custom-tool, computer, file-search and web-search calls give an assistant tool call; their outputs
 * a `tool` message. Item types upstream leaves out (image generation, code interpreter, shell,
 * MCP, item references) give nothing, but still take their index.
 *
 * Two departures from upstream, both bugs there: a tool output's text is recorded as the message
 * content (upstream only writes it when serializing failed), and a file-search call's name goes
 * under its indexed key (upstream writes a bare `tool_call.function.name`).
 */
import { isRecord, type JsonRecord } from '../../../common/json-guards.js';
import type { OpenInferenceConfig } from './open-inference-config.js';
import { REDACTED_VALUE, inputMessageContentKey, inputMessageKey, inputToolCallKey, type SpanAttributes } from './span-attributes.js';

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function pushParts(attrs: SpanAttributes, index: number, parts: readonly unknown[], config: OpenInferenceConfig): void {
  parts.forEach((part: unknown, j) => {
    if (!isRecord(part)) return;
    const type = part.type;
    if (type === 'input_text' || type === 'output_text' || type === 'refusal') {
      const value = type === 'refusal' ? text(part.refusal) : text(part.text);
      attrs.push([inputMessageContentKey(index, j, 'type'), 'text'], [inputMessageContentKey(index, j, 'text'), config.hideInputText ? REDACTED_VALUE : value]);
    } else if (type === 'input_image') {
      attrs.push([inputMessageContentKey(index, j, 'type'), 'image'], [inputMessageContentKey(index, j, 'image.image.url'), config.hideInputImages ? REDACTED_VALUE : text(part.image_url)]);
    }
    // input_file parts are left to input.value (upstream: TODO).
  });
}

function pushToolCall(attrs: SpanAttributes, index: number, config: OpenInferenceConfig, id: string, name?: string, args?: string): void {
  const hide = (value: string): string => (config.hideInputText ? REDACTED_VALUE : value);
  attrs.push([inputMessageKey(index, 'message.role'), 'assistant'], [inputToolCallKey(index, 0, 'tool_call.id'), hide(id)]);
  if (name !== undefined) attrs.push([inputToolCallKey(index, 0, 'tool_call.function.name'), hide(name)]);
  if (args !== undefined) attrs.push([inputToolCallKey(index, 0, 'tool_call.function.arguments'), hide(args)]);
}

function pushToolOutput(attrs: SpanAttributes, index: number, item: JsonRecord, config: OpenInferenceConfig): void {
  attrs.push([inputMessageKey(index, 'message.role'), 'tool'], [inputToolCallKey(index, 0, 'tool_call.id'), config.hideInputText ? REDACTED_VALUE : text(item.call_id)]);
  if (item.output === undefined) return;
  const output = typeof item.output === 'string' ? item.output : JSON.stringify(item.output);
  attrs.push([inputMessageKey(index, 'message.content'), config.hideInputText ? REDACTED_VALUE : output]);
}

export function responsesInputItemAttributes(item: unknown, index: number, config: OpenInferenceConfig): SpanAttributes {
  const attrs: SpanAttributes = [];
  if (!isRecord(item)) return attrs;
  // An item without a type is an "easy" input message ({role, content}).
  const type = item.type === undefined ? 'message' : text(item.type);
  switch (type) {
    case 'message':
      attrs.push([inputMessageKey(index, 'message.role'), text(item.role)]);
      if (typeof item.content === 'string') attrs.push([inputMessageKey(index, 'message.content'), config.hideInputText ? REDACTED_VALUE : item.content]);
      else if (Array.isArray(item.content)) pushParts(attrs, index, item.content, config);
      break;
    case 'function_call':
      pushToolCall(attrs, index, config, text(item.call_id), text(item.name), text(item.arguments));
      break;
    case 'custom_tool_call':
      pushToolCall(attrs, index, config, text(item.call_id), text(item.name), text(item.input));
      break;
    case 'computer_call':
      pushToolCall(attrs, index, config, text(item.call_id));
      break;
    case 'file_search_call':
    case 'web_search_call':
      pushToolCall(attrs, index, config, text(item.id), type);
      break;
    case 'function_call_output':
    case 'custom_tool_call_output':
    case 'computer_call_output':
      pushToolOutput(attrs, index, type === 'computer_call_output' ? { call_id: item.call_id } : item, config);
      break;
    case 'reasoning':
      attrs.push([inputMessageKey(index, 'message.role'), 'assistant']);
      if (Array.isArray(item.summary)) {
        item.summary.forEach((summary: unknown, j) => {
          if (!isRecord(summary) || summary.type !== 'summary_text') return;
          attrs.push([inputMessageContentKey(index, j, 'type'), 'text'], [inputMessageContentKey(index, j, 'text'), config.hideInputText ? REDACTED_VALUE : text(summary.text)]);
        });
      }
      break;
  }
  return attrs;
}
