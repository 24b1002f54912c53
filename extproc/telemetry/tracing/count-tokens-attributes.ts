/**
 * OpenInference attributes of an Anthropic count_tokens span (upstream
 * `openinference/anthropic/count_tokens.go`): the request as input.value, and the counted
 * `input_tokens` as llm.token_count.prompt. Nothing else: no messages, no invocation parameters.
 */
import { isRecord, optionalNumber } from '../../../common/json-guards.js';
import type { OpenInferenceConfig } from './open-inference-config.js';
import { LLM_SYSTEM_ANTHROPIC, MIME_TYPE_JSON, OI, REDACTED_VALUE, SPAN_KIND_LLM, type SpanAttributes, type SpanOutcome } from './span-attributes.js';
import type { SpanRequest, SpanResponse } from './span-recorder.js';

export function countTokensRequestAttributes(request: SpanRequest, config: OpenInferenceConfig): SpanAttributes {
  const attrs: SpanAttributes = [[OI.spanKind, SPAN_KIND_LLM], [OI.llmSystem, LLM_SYSTEM_ANTHROPIC]];
  if (typeof request.json.model === 'string') attrs.push([OI.llmModelName, request.json.model]);
  if (config.hideInputs) attrs.push([OI.inputValue, REDACTED_VALUE]);
  else attrs.push([OI.inputValue, request.raw], [OI.inputMimeType, MIME_TYPE_JSON]);
  return attrs;
}

export function countTokensResponseAttributes(response: SpanResponse): SpanOutcome {
  const tokens = isRecord(response.json) ? optionalNumber(response.json.input_tokens) : undefined;
  return { attributes: [[OI.tokenCountPrompt, tokens ?? 0]], events: [], status: { code: 'OK' } };
}
