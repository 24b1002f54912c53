/**
 * OpenInference attributes recorded when an image generation starts (upstream
 * `openinference/openai/image_generation.go` buildImageGenerationRequestAttributes): the body is
 * both input.value and llm.invocation_parameters, since its one content field, the prompt, is a
 * parameter too. Upstream records no llm.model_name on these spans (the model is in both), nor
 * does this.
 */
import type { OpenInferenceConfig } from './open-inference-config.js';
import { LLM_SYSTEM_OPENAI, MIME_TYPE_JSON, OI, REDACTED_VALUE, SPAN_KIND_LLM, type SpanAttributes } from './span-attributes.js';
import type { SpanRequest } from './span-recorder.js';

export function imageGenerationRequestAttributes(request: SpanRequest, config: OpenInferenceConfig): SpanAttributes {
  const attrs: SpanAttributes = [[OI.spanKind, SPAN_KIND_LLM], [OI.llmSystem, LLM_SYSTEM_OPENAI]];
  if (config.hideInputs) attrs.push([OI.inputValue, REDACTED_VALUE]);
  else attrs.push([OI.inputValue, request.raw], [OI.inputMimeType, MIME_TYPE_JSON]);
  if (!config.hideLlmInvocationParameters) attrs.push([OI.llmInvocationParameters, request.raw]);
  return attrs;
}
