/**
 * OpenInference attributes recorded when an Anthropic Messages request starts (upstream
 * `openinference/anthropic/messages.go` buildRequestAttributes): the request without messages
 * and tools as llm.invocation_parameters (the system prompt stays there: upstream records no
 * system message), each message's role and text, and each tool as a JSON schema. Content blocks
 * other than text (images, tool use and results, documents) are left to input.value, as upstream.
 */
import { isRecord, type JsonRecord } from '../../../common/json-guards.js';
import type { OpenInferenceConfig } from './open-inference-config.js';
import {
  LLM_SYSTEM_ANTHROPIC, MIME_TYPE_JSON, OI, REDACTED_VALUE, SPAN_KIND_LLM,
  inputMessageContentKey, inputMessageKey, toolJsonSchemaKey,
  type SpanAttributes,
} from './span-attributes.js';
import type { SpanRequest } from './span-recorder.js';

function withoutMessagesAndTools(body: JsonRecord): string {
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) if (key !== 'messages' && key !== 'tools') params[key] = value;
  return JSON.stringify(params);
}

function pushMessage(attrs: SpanAttributes, i: number, message: JsonRecord, config: OpenInferenceConfig): void {
  attrs.push([inputMessageKey(i, 'message.role'), typeof message.role === 'string' ? message.role : '']);
  const content = message.content;
  if (typeof content === 'string') {
    if (content !== '') attrs.push([inputMessageKey(i, 'message.content'), config.hideInputText ? REDACTED_VALUE : content]);
    return;
  }
  if (!Array.isArray(content)) return;
  content.forEach((block: unknown, j) => {
    if (!isRecord(block) || block.type !== 'text' || typeof block.text !== 'string') return;
    attrs.push([inputMessageContentKey(i, j, 'text'), config.hideInputText ? REDACTED_VALUE : block.text], [inputMessageContentKey(i, j, 'type'), 'text']);
  });
}

export function messagesRequestAttributes(request: SpanRequest, config: OpenInferenceConfig): SpanAttributes {
  const body = request.json;
  const attrs: SpanAttributes = [[OI.spanKind, SPAN_KIND_LLM], [OI.llmSystem, LLM_SYSTEM_ANTHROPIC]];
  if (typeof body.model === 'string') attrs.push([OI.llmModelName, body.model]);
  if (config.hideInputs) attrs.push([OI.inputValue, REDACTED_VALUE]);
  else attrs.push([OI.inputValue, request.raw], [OI.inputMimeType, MIME_TYPE_JSON]);
  if (!config.hideLlmInvocationParameters) attrs.push([OI.llmInvocationParameters, withoutMessagesAndTools(body)]);
  if (!config.hideInputs && !config.hideInputMessages && Array.isArray(body.messages)) {
    body.messages.forEach((message: unknown, i) => {
      if (isRecord(message)) pushMessage(attrs, i, message, config);
    });
  }
  if (Array.isArray(body.tools)) body.tools.forEach((tool: unknown, i) => attrs.push([toolJsonSchemaKey(i), JSON.stringify(tool)]));
  return attrs;
}
