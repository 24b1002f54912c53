/**
 * OpenInference attributes recorded when a speech synthesis starts (upstream
 * `openinference/openai/speech.go` buildSpeechRequestAttributes): input.value holds what is
 * spoken and how (input, voice, response_format, speed, instructions; absent ones as null, as
 * upstream's map marshals them), llm.invocation_parameters the whole body.
 */
import type { OpenInferenceConfig } from './open-inference-config.js';
import { LLM_SYSTEM_OPENAI, MIME_TYPE_JSON, OI, REDACTED_VALUE, SPAN_KIND_LLM, type SpanAttributes } from './span-attributes.js';
import type { SpanRequest } from './span-recorder.js';

const SPOKEN_FIELDS = ['input', 'voice', 'response_format', 'speed', 'instructions'] as const;

export function speechRequestAttributes(request: SpanRequest, config: OpenInferenceConfig): SpanAttributes {
  const attrs: SpanAttributes = [[OI.spanKind, SPAN_KIND_LLM], [OI.llmSystem, LLM_SYSTEM_OPENAI]];
  const model = request.json.model;
  if (typeof model === 'string' && model !== '') attrs.push([OI.llmModelName, model]);
  if (config.hideInputs) {
    attrs.push([OI.inputValue, REDACTED_VALUE]);
  } else {
    const spoken = Object.fromEntries(SPOKEN_FIELDS.map((field) => [field, request.json[field] ?? null]));
    attrs.push([OI.inputValue, JSON.stringify(spoken)], [OI.inputMimeType, MIME_TYPE_JSON]);
  }
  if (!config.hideLlmInvocationParameters) attrs.push([OI.llmInvocationParameters, request.raw]);
  return attrs;
}
