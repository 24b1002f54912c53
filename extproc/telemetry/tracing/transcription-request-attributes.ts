/**
 * OpenInference attributes recorded when an audio transcription starts (upstream
 * `openinference/openai/transcription.go` RecordRequest). There is no llm.invocation_parameters:
 * the form's parameters are in input.value.
 */
import { audioUploadInput } from './audio-upload-input.js';
import type { OpenInferenceConfig } from './open-inference-config.js';
import { LLM_SYSTEM_OPENAI, MIME_TYPE_JSON, OI, REDACTED_VALUE, SPAN_KIND_LLM, type SpanAttributes } from './span-attributes.js';
import type { SpanRequest } from './span-recorder.js';

/** Transcriptions and translations record the same request attributes, but for `language`. */
export function audioUploadRequestAttributes(request: SpanRequest, config: OpenInferenceConfig, withLanguage: boolean): SpanAttributes {
  const attrs: SpanAttributes = [[OI.spanKind, SPAN_KIND_LLM], [OI.llmSystem, LLM_SYSTEM_OPENAI]];
  const model = request.json.model;
  if (typeof model === 'string' && model !== '') attrs.push([OI.llmModelName, model]);
  if (config.hideInputs) attrs.push([OI.inputValue, REDACTED_VALUE]);
  else attrs.push([OI.inputValue, audioUploadInput(request, withLanguage)], [OI.inputMimeType, MIME_TYPE_JSON]);
  return attrs;
}

export function transcriptionRequestAttributes(request: SpanRequest, config: OpenInferenceConfig): SpanAttributes {
  return audioUploadRequestAttributes(request, config, true);
}
