/**
 * OpenInference attributes recorded when an embeddings request starts
 * (upstream buildEmbeddingsRequestAttributes). llm.system is not used on embedding spans.
 */
import { isRecord, type JsonRecord } from '../../../common/json-guards.js';
import type { OpenInferenceConfig } from './open-inference-config.js';
import {
  MIME_TYPE_JSON, OI, REDACTED_VALUE, SPAN_KIND_EMBEDDING, embeddingTextKey,
  type SpanAttributes,
} from './span-attributes.js';

function invocationParameters(req: JsonRecord): string {
  const params: Record<string, unknown> = { model: typeof req.model === 'string' ? req.model : '' };
  if (typeof req.encoding_format === 'string') params.encoding_format = req.encoding_format;
  if (typeof req.dimensions === 'number') params.dimensions = req.dimensions;
  if (typeof req.user === 'string') params.user = req.user;
  return JSON.stringify(params);
}

export function embeddingsRequestAttributes(body: unknown, rawBody: string, config: OpenInferenceConfig): SpanAttributes {
  const req: JsonRecord = isRecord(body) ? body : {};
  const attrs: SpanAttributes = [[OI.spanKind, SPAN_KIND_EMBEDDING]];
  if (config.hideInputs) {
    attrs.push([OI.inputValue, REDACTED_VALUE]);
  } else {
    attrs.push([OI.inputValue, rawBody], [OI.inputMimeType, MIME_TYPE_JSON]);
  }
  if (!config.hideLlmInvocationParameters) attrs.push([OI.embeddingInvocationParameters, invocationParameters(req)]);

  // Only text inputs are recorded; token-id inputs are never decoded (tokenizers differ per backend).
  if (!config.hideInputs && !config.hideEmbeddingsText) {
    const input = req.input;
    if (typeof input === 'string') {
      attrs.push([embeddingTextKey(0), input]);
    } else if (Array.isArray(input) && input.length > 0 && input.every((v): v is string => typeof v === 'string')) {
      input.forEach((text, i) => attrs.push([embeddingTextKey(i), text]));
    }
  }
  return attrs;
}
