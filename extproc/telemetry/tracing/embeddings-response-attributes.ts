/**
 * OpenInference attributes for an embeddings response (upstream buildEmbeddingsResponseAttributes
 * + EmbeddingsRecorder.RecordResponse). Base64 vectors are decoded (little-endian float32) to
 * float arrays, as the OpenInference spec requires.
 */
import { isRecord, optionalNumber, type JsonRecord } from '../../../common/json-guards.js';
import type { OpenInferenceConfig } from './open-inference-config.js';
import {
  MIME_TYPE_JSON, OI, REDACTED_VALUE, embeddingVectorKey,
  type SpanAttributes, type SpanOutcome,
} from './span-attributes.js';

/** Decodes an OpenAI `encoding_format: "base64"` embedding; undefined when not valid base64. */
export function decodeBase64Embedding(encoded: string): number[] | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return undefined;
  const bytes = Buffer.from(encoded, 'base64');
  const out: number[] = [];
  for (let offset = 0; offset + 4 <= bytes.length; offset += 4) out.push(bytes.readFloatLE(offset));
  return out;
}

function isNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'number');
}

export function embeddingsResponseAttributes(body: unknown, rawBody: string, config: OpenInferenceConfig): SpanOutcome {
  const resp: JsonRecord = isRecord(body) ? body : {};
  const attrs: SpanAttributes = [[OI.embeddingModelName, typeof resp.model === 'string' ? resp.model : '']];
  if (!config.hideOutputs) {
    attrs.push([OI.outputMimeType, MIME_TYPE_JSON]);
    if (!config.hideEmbeddingsVectors && Array.isArray(resp.data)) {
      resp.data.forEach((item: unknown, i) => {
        if (!isRecord(item)) return;
        const embedding = item.embedding;
        const vector = typeof embedding === 'string' ? decodeBase64Embedding(embedding) : isNumberArray(embedding) ? embedding : undefined;
        if (vector !== undefined && vector.length > 0) attrs.push([embeddingVectorKey(i), vector]);
      });
    }
  }
  const usage: JsonRecord = isRecord(resp.usage) ? resp.usage : {};
  const prompt = optionalNumber(usage.prompt_tokens) ?? 0;
  if (prompt > 0) attrs.push([OI.tokenCountPrompt, prompt]);
  const total = optionalNumber(usage.total_tokens) ?? 0;
  if (total > 0) attrs.push([OI.tokenCountTotal, total]);
  attrs.push([OI.outputValue, config.hideOutputs ? REDACTED_VALUE : isRecord(body) ? JSON.stringify(body) : rawBody]);
  return { attributes: attrs, events: [], status: { code: 'OK' } };
}
