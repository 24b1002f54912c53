/**
 * OpenInference attributes recorded when a Responses API request starts (upstream
 * `openinference/openai/request_attrs.go` buildResponsesRequestAttributes): `instructions` as a
 * system message, then a string `input` as one user message or each input item as one message,
 * the tools as JSON schemas, and the rest of the request as llm.invocation_parameters.
 * With OPENINFERENCE_HIDE_INPUT_IMAGES the image URLs of input.value are redacted too.
 */
import { isRecord, type JsonRecord } from '../../../common/json-guards.js';
import type { OpenInferenceConfig } from './open-inference-config.js';
import { responsesInputItemAttributes } from './responses-input-item-attributes.js';
import {
  LLM_SYSTEM_OPENAI, MIME_TYPE_JSON, OI, REDACTED_VALUE, SPAN_KIND_LLM, inputMessageKey, toolJsonSchemaKey,
  type SpanAttributes,
} from './span-attributes.js';
import type { SpanRequest } from './span-recorder.js';

/** Parameters with attributes of their own are left out of llm.invocation_parameters. */
const OWN_ATTRIBUTES = new Set(['input', 'instructions', 'tools']);

/** input.value with every `input_image` URL of the input items replaced by the redaction marker. */
function withImagesRedacted(body: JsonRecord): string {
  if (!Array.isArray(body.input)) return JSON.stringify(body);
  const input = body.input.map((item: unknown) => {
    if (!isRecord(item) || !Array.isArray(item.content)) return item;
    const content = item.content.map((part: unknown) => (isRecord(part) && part.type === 'input_image' && typeof part.image_url === 'string' ? { ...part, image_url: REDACTED_VALUE } : part));
    return { ...item, content };
  });
  return JSON.stringify({ ...body, input });
}

export function responsesRequestAttributes(request: SpanRequest, config: OpenInferenceConfig): SpanAttributes {
  const body = request.json;
  const attrs: SpanAttributes = [[OI.spanKind, SPAN_KIND_LLM], [OI.llmSystem, LLM_SYSTEM_OPENAI]];
  if (typeof body.model === 'string' && body.model !== '') attrs.push([OI.llmModelName, body.model]);
  if (config.hideInputs) attrs.push([OI.inputValue, REDACTED_VALUE]);
  else attrs.push([OI.inputValue, config.hideInputImages ? withImagesRedacted(body) : request.raw]);
  // Upstream sets the MIME type even when the value is redacted.
  attrs.push([OI.inputMimeType, MIME_TYPE_JSON]);
  if (!config.hideLlmInvocationParameters) {
    attrs.push([OI.llmInvocationParameters, JSON.stringify(Object.fromEntries(Object.entries(body).filter(([key]) => !OWN_ATTRIBUTES.has(key))))]);
  }
  if (!config.hideInputs && !config.hideInputMessages) {
    let index = 0;
    if (typeof body.instructions === 'string' && body.instructions !== '') {
      attrs.push([inputMessageKey(index, 'message.role'), 'system'], [inputMessageKey(index, 'message.content'), config.hideInputText ? REDACTED_VALUE : body.instructions]);
      index++;
    }
    if (typeof body.input === 'string') {
      attrs.push([inputMessageKey(index, 'message.role'), 'user'], [inputMessageKey(index, 'message.content'), config.hideInputText ? REDACTED_VALUE : body.input]);
    } else if (Array.isArray(body.input)) {
      for (const item of body.input) attrs.push(...responsesInputItemAttributes(item, index++, config));
    }
  }
  if (Array.isArray(body.tools)) body.tools.forEach((tool: unknown, i) => attrs.push([toolJsonSchemaKey(i), JSON.stringify(tool)]));
  return attrs;
}
