/**
 * OpenInference attributes for a Cohere v2 rerank response (upstream RerankRecorder
 * RecordResponse): each result's relevance score as an output document, in the order returned,
 * and the billed tokens (`meta.tokens`), which are metadata and kept when outputs are hidden.
 */
import { isRecord, optionalNumber } from '../../../common/json-guards.js';
import type { OpenInferenceConfig } from './open-inference-config.js';
import { MIME_TYPE_JSON, OI, REDACTED_VALUE, rerankerOutputDocumentKey, type SpanAttributes, type SpanOutcome } from './span-attributes.js';
import type { SpanResponse } from './span-recorder.js';

export function rerankResponseAttributes(response: SpanResponse, config: OpenInferenceConfig): SpanOutcome {
  const body = isRecord(response.json) ? response.json : {};
  const attrs: SpanAttributes = [];
  if (!config.hideOutputs) {
    attrs.push([OI.outputMimeType, MIME_TYPE_JSON]);
    if (Array.isArray(body.results)) {
      body.results.forEach((result: unknown, i) => {
        const score = isRecord(result) ? optionalNumber(result.relevance_score) : undefined;
        attrs.push([rerankerOutputDocumentKey(i, 'document.score'), score ?? 0]);
      });
    }
  }
  const tokens = isRecord(body.meta) && isRecord(body.meta.tokens) ? body.meta.tokens : undefined;
  if (tokens) {
    const input = optionalNumber(tokens.input_tokens);
    const output = optionalNumber(tokens.output_tokens);
    if (input !== undefined) attrs.push([OI.tokenCountPrompt, input]);
    const total = (input ?? 0) + (output ?? 0);
    if (total > 0) attrs.push([OI.tokenCountTotal, total]);
  }
  const output = config.hideOutputs ? REDACTED_VALUE : response.json !== undefined ? JSON.stringify(response.json) : response.raw;
  attrs.push([OI.outputValue, output]);
  return { attributes: attrs, events: [], status: { code: 'OK' } };
}
