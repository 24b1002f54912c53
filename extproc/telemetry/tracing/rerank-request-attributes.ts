/**
 * OpenInference RERANKER attributes recorded when a Cohere v2 rerank starts (upstream
 * `openinference/cohere/rerank.go` buildRerankRequestAttributes): the model, top_n as
 * reranker.top_k, the query, and each non-empty document as an input document. There is no
 * llm.invocation_parameters: the parameters are attributes of their own.
 */
import { optionalNumber } from '../../../common/json-guards.js';
import type { OpenInferenceConfig } from './open-inference-config.js';
import {
  LLM_SYSTEM_COHERE, MIME_TYPE_JSON, OI, REDACTED_VALUE, SPAN_KIND_RERANKER, rerankerInputDocumentKey,
  type SpanAttributes,
} from './span-attributes.js';
import type { SpanRequest } from './span-recorder.js';

export function rerankRequestAttributes(request: SpanRequest, config: OpenInferenceConfig): SpanAttributes {
  const body = request.json;
  const attrs: SpanAttributes = [[OI.llmSystem, LLM_SYSTEM_COHERE], [OI.spanKind, SPAN_KIND_RERANKER]];
  if (typeof body.model === 'string' && body.model !== '') attrs.push([OI.rerankerModelName, body.model]);
  const topN = optionalNumber(body.top_n);
  if (topN !== undefined) attrs.push([OI.rerankerTopK, topN]);
  if (typeof body.query === 'string' && body.query !== '') attrs.push([OI.rerankerQuery, body.query]);
  if (config.hideInputs) {
    attrs.push([OI.inputValue, REDACTED_VALUE]);
    return attrs;
  }
  attrs.push([OI.inputValue, request.raw], [OI.inputMimeType, MIME_TYPE_JSON]);
  if (Array.isArray(body.documents)) {
    body.documents.forEach((document: unknown, i) => {
      if (typeof document === 'string' && document !== '') attrs.push([rerankerInputDocumentKey(i, 'document.content'), document]);
    });
  }
  return attrs;
}
