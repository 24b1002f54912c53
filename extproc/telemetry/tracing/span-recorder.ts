/**
 * What one endpoint's span records, whatever the convention: the span's name and kind, the
 * request attributes, and the outcome of a response, a stream or an error. The tables in
 * open-inference-recorders.ts and gen-ai-recorders.ts hold one per endpoint; RequestSpan drives
 * them. Type-only dependencies: this sits on every request's path.
 */
import type { SchemaName } from '../../../contract/filter-config.js';
import type { JsonRecord } from '../../../common/json-guards.js';
import type { OpenInferenceConfig } from './open-inference-config.js';
import type { SpanAttributes, SpanOutcome } from './span-attributes.js';

/** The file of a multipart upload (audio endpoints): its bytes are not recorded, only these. */
export interface UploadedFile {
  readonly name: string;
  /** In bytes. */
  readonly size: number;
}

/** The client's request, as the span sees it. */
export interface SpanRequest {
  /** The parsed JSON body; for a multipart upload, its text fields. */
  readonly json: JsonRecord;
  /** The body as received; empty for a multipart upload, whose bytes are mostly a file. */
  readonly raw: string;
  readonly file?: UploadedFile;
}

/** A whole (non-streamed) 2xx response body, as the client receives it. */
export interface SpanResponse {
  /** The parsed body; undefined when it is not JSON (speech audio, text transcripts). */
  readonly json: unknown;
  readonly raw: string;
  readonly byteLength: number;
}

export interface SpanRecorder {
  name(model: string): string;
  kind: 'INTERNAL' | 'CLIENT';
  request(request: SpanRequest, config: OpenInferenceConfig): SpanAttributes;
  /** Attributes learnt when the backend is chosen (GenAI: gen_ai.provider.name). */
  backend?(schema: SchemaName): SpanAttributes;
  response(response: SpanResponse, config: OpenInferenceConfig): SpanOutcome;
  /** For endpoints that stream: the outcome from the parsed `data:` events (without `[DONE]`). */
  stream?(chunks: readonly unknown[], config: OpenInferenceConfig): SpanOutcome;
  error(status: number, body: string): SpanOutcome;
}

/** The outcome of a response that adds nothing (upstream's no-op chunk recorders): the status stays unset. */
export function nothingRecorded(): SpanOutcome {
  return { attributes: [], events: [], status: { code: 'UNSET' } };
}
