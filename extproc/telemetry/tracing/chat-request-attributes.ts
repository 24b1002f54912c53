/**
 * OpenInference attributes recorded when a chat completion request starts
 * (upstream `openinference/openai/request_attrs.go` buildRequestAttributes).
 */
import { isRecord, type JsonRecord } from '../../../common/json-guards.js';
import type { OpenInferenceConfig } from './open-inference-config.js';
import {
  LLM_SYSTEM_OPENAI, MIME_TYPE_JSON, OI, REDACTED_VALUE, SPAN_KIND_LLM,
  inputMessageContentKey, inputMessageKey, toolJsonSchemaKey,
  type SpanAttributes,
} from './span-attributes.js';

/** A base64 data-URL image (Python OpenInference `is_base64_url`). */
function isBase64ImageUrl(url: string): boolean {
  return url.startsWith('data:image/') && url.includes('base64');
}

/** The request without messages and tools, which have their own attributes. */
function invocationParameters(body: JsonRecord): string {
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key !== 'messages' && key !== 'tools') params[key] = value;
  }
  return JSON.stringify(params);
}

function pushTextPart(attrs: SpanAttributes, i: number, j: number, text: string, config: OpenInferenceConfig): void {
  attrs.push(
    [inputMessageContentKey(i, j, 'text'), config.hideInputText ? REDACTED_VALUE : text],
    [inputMessageContentKey(i, j, 'type'), 'text'],
  );
}

function pushMessage(attrs: SpanAttributes, i: number, msg: JsonRecord, config: OpenInferenceConfig): void {
  const role = typeof msg.role === 'string' ? msg.role : '';
  attrs.push([inputMessageKey(i, 'message.role'), role]);
  const content = msg.content;
  if (typeof content === 'string') {
    if (content !== '') attrs.push([inputMessageKey(i, 'message.content'), config.hideInputText ? REDACTED_VALUE : content]);
    return;
  }
  if (!Array.isArray(content)) return;
  content.forEach((part: unknown, j) => {
    if (!isRecord(part)) return;
    if (role === 'user') {
      if (part.type === 'text' && typeof part.text === 'string') {
        pushTextPart(attrs, i, j, part.text, config);
      } else if (part.type === 'image_url' && isRecord(part.image_url) && typeof part.image_url.url === 'string' && part.image_url.url !== '') {
        if (config.hideInputImages) return;
        let url = part.image_url.url;
        if (isBase64ImageUrl(url) && url.length > config.base64ImageMaxLength) url = REDACTED_VALUE;
        attrs.push([inputMessageContentKey(i, j, 'image.image.url'), url], [inputMessageContentKey(i, j, 'type'), 'image']);
      }
      // input_audio and file parts are not recorded (they remain in input.value), as upstream.
    } else if (role === 'assistant') {
      if (part.type === 'text' && typeof part.text === 'string') pushTextPart(attrs, i, j, part.text, config);
    } else if (role === 'system' || role === 'developer' || role === 'tool') {
      if (typeof part.text === 'string') pushTextPart(attrs, i, j, part.text, config);
    }
  });
}

/**
 * @param body the parsed request JSON
 * @param rawBody the request body as received; recorded verbatim as input.value
 */
export function chatRequestAttributes(body: unknown, rawBody: string, config: OpenInferenceConfig): SpanAttributes {
  const req: JsonRecord = isRecord(body) ? body : {};
  const attrs: SpanAttributes = [
    [OI.spanKind, SPAN_KIND_LLM],
    [OI.llmSystem, LLM_SYSTEM_OPENAI],
  ];
  if (typeof req.model === 'string') attrs.push([OI.llmModelName, req.model]);

  if (config.hideInputs) {
    attrs.push([OI.inputValue, REDACTED_VALUE]);
  } else {
    attrs.push([OI.inputValue, rawBody], [OI.inputMimeType, MIME_TYPE_JSON]);
  }

  if (!config.hideLlmInvocationParameters) attrs.push([OI.llmInvocationParameters, invocationParameters(req)]);

  if (!config.hideInputs && !config.hideInputMessages && Array.isArray(req.messages)) {
    req.messages.forEach((msg: unknown, i) => {
      if (isRecord(msg)) pushMessage(attrs, i, msg, config);
    });
  }

  if (Array.isArray(req.tools)) {
    req.tools.forEach((tool: unknown, i) => {
      attrs.push([toolJsonSchemaKey(i), JSON.stringify(tool)]);
    });
  }
  return attrs;
}
