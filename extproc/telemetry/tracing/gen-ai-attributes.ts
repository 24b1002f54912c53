/**
 * Span attributes in the OpenTelemetry GenAI semantic conventions (AI_GATEWAY_TRACING_SEMCONV=
 * gen_ai): request parameters, response identity, finish reasons and token usage. Message
 * content is opt-in and lives in gen-ai-messages.ts; nothing here records prompts or completions.
 */
import { isRecord, optionalNumber, type JsonRecord } from '../../../common/json-guards.js';
import type { SpanAttributes, SpanOutcome } from './span-attributes.js';

export const GEN_AI = {
  operationName: 'gen_ai.operation.name',
  providerName: 'gen_ai.provider.name',
  requestModel: 'gen_ai.request.model',
  requestMaxTokens: 'gen_ai.request.max_tokens',
  requestTemperature: 'gen_ai.request.temperature',
  requestTopP: 'gen_ai.request.top_p',
  requestTopK: 'gen_ai.request.top_k',
  requestFrequencyPenalty: 'gen_ai.request.frequency_penalty',
  requestPresencePenalty: 'gen_ai.request.presence_penalty',
  requestStopSequences: 'gen_ai.request.stop_sequences',
  requestSeed: 'gen_ai.request.seed',
  requestChoiceCount: 'gen_ai.request.choice.count',
  requestEncodingFormats: 'gen_ai.request.encoding_formats',
  responseId: 'gen_ai.response.id',
  responseModel: 'gen_ai.response.model',
  responseFinishReasons: 'gen_ai.response.finish_reasons',
  usageInputTokens: 'gen_ai.usage.input_tokens',
  usageOutputTokens: 'gen_ai.usage.output_tokens',
  usageCacheReadInputTokens: 'gen_ai.usage.cache_read.input_tokens',
  usageCacheCreationInputTokens: 'gen_ai.usage.cache_creation.input_tokens',
  usageReasoningOutputTokens: 'gen_ai.usage.reasoning.output_tokens',
  embeddingsDimensionCount: 'gen_ai.embeddings.dimension.count',
} as const;

/** The operations of upstream's GenAI spans (responses and Anthropic messages are `chat`; count_tokens is `tokenize`). */
export type GenAIOperation = 'chat' | 'text_completion' | 'embeddings' | 'image_generation' | 'speech' | 'transcription' | 'translation' | 'rerank' | 'tokenize';

/** The span name: "{operation} {model}" (just the operation when the model is unknown). */
export function genAISpanName(operation: GenAIOperation, model: string): string {
  return model === '' ? operation : `${operation} ${model}`;
}

/** Request attributes shared by chat, completions and embeddings; absent parameters are left out. */
export function genAIRequestAttributes(operation: GenAIOperation, body: unknown): SpanAttributes {
  const req: JsonRecord = isRecord(body) ? body : {};
  const attrs: SpanAttributes = [[GEN_AI.operationName, operation]];
  if (typeof req.model === 'string') attrs.push([GEN_AI.requestModel, req.model]);
  const maxTokens = optionalNumber(req.max_completion_tokens) ?? optionalNumber(req.max_tokens) ?? optionalNumber(req.max_output_tokens);
  if (maxTokens !== undefined) attrs.push([GEN_AI.requestMaxTokens, maxTokens]);
  for (const [key, field] of [
    [GEN_AI.requestTemperature, 'temperature'],
    [GEN_AI.requestTopP, 'top_p'],
    [GEN_AI.requestTopK, 'top_k'],
    [GEN_AI.requestFrequencyPenalty, 'frequency_penalty'],
    [GEN_AI.requestPresencePenalty, 'presence_penalty'],
    [GEN_AI.requestSeed, 'seed'],
  ] as const) {
    const value = optionalNumber(req[field]);
    if (value !== undefined) attrs.push([key, value]);
  }
  // OpenAI's `stop`, or Anthropic's `stop_sequences`.
  const stop = req.stop ?? req.stop_sequences;
  if (typeof stop === 'string') attrs.push([GEN_AI.requestStopSequences, [stop]]);
  else if (Array.isArray(stop) && stop.length > 0 && stop.every((item): item is string => typeof item === 'string')) attrs.push([GEN_AI.requestStopSequences, stop]);
  const n = optionalNumber(req.n);
  if (n !== undefined && n !== 1) attrs.push([GEN_AI.requestChoiceCount, n]);
  if (typeof req.encoding_format === 'string') attrs.push([GEN_AI.requestEncodingFormats, [req.encoding_format]]);
  return attrs;
}

/** Response id, model, finish reasons, usage (zero counts left out) and embedding dimensions. */
export function genAIResponseAttributes(body: unknown): SpanOutcome {
  const resp: JsonRecord = isRecord(body) ? body : {};
  const attrs: SpanAttributes = [];
  if (typeof resp.id === 'string' && resp.id !== '') attrs.push([GEN_AI.responseId, resp.id]);
  if (typeof resp.model === 'string' && resp.model !== '') attrs.push([GEN_AI.responseModel, resp.model]);
  attrs.push(...usageAttributes(resp.usage));
  const reasons = finishReasons([resp]);
  if (reasons.length > 0) attrs.push([GEN_AI.responseFinishReasons, reasons]);
  if (Array.isArray(resp.data)) {
    const first: unknown = resp.data[0];
    if (isRecord(first) && Array.isArray(first.embedding) && first.embedding.length > 0) attrs.push([GEN_AI.embeddingsDimensionCount, first.embedding.length]);
  }
  return { attributes: attrs, events: [], status: { code: 'UNSET' } };
}

/** A stream: the last id, model and usage seen, and every finish reason, in order. */
export function genAIStreamAttributes(chunks: readonly unknown[]): SpanOutcome {
  const records = chunks.filter(isRecord);
  let id: string | undefined;
  let model: string | undefined;
  let usage: unknown;
  for (const chunk of records) {
    if (typeof chunk.id === 'string' && chunk.id !== '') id = chunk.id;
    if (typeof chunk.model === 'string' && chunk.model !== '') model = chunk.model;
    if (isRecord(chunk.usage)) usage = chunk.usage;
  }
  const attrs: SpanAttributes = [];
  if (id !== undefined) attrs.push([GEN_AI.responseId, id]);
  if (model !== undefined) attrs.push([GEN_AI.responseModel, model]);
  attrs.push(...usageAttributes(usage));
  const reasons = finishReasons(records);
  if (reasons.length > 0) attrs.push([GEN_AI.responseFinishReasons, reasons]);
  return { attributes: attrs, events: [], status: { code: 'UNSET' } };
}

/** error.type for an HTTP status, as upstream groups them; the body is content, recorded only when content capture is on. */
export function genAIErrorAttributes(status: number, body?: string): SpanOutcome {
  return {
    attributes: [['error.type', errorType(status)]],
    events: [],
    status: { code: 'ERROR', message: body ? `Error code: ${status} - ${body}` : `Error code: ${status}` },
  };
}

export function errorType(status: number): string {
  if ([400, 401, 403, 404, 429].includes(status)) return String(status);
  if (status === 500 || status === 502 || status === 503) return '500';
  if (status >= 400 && status < 600) return String(status);
  return '_OTHER';
}

function usageAttributes(usage: unknown): SpanAttributes {
  if (!isRecord(usage)) return [];
  const attrs: SpanAttributes = [];
  const push = (key: string, value: number | undefined): void => {
    if (value !== undefined && value > 0) attrs.push([key, value]);
  };
  push(GEN_AI.usageInputTokens, optionalNumber(usage.prompt_tokens));
  push(GEN_AI.usageOutputTokens, optionalNumber(usage.completion_tokens));
  const prompt = isRecord(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {};
  const completion = isRecord(usage.completion_tokens_details) ? usage.completion_tokens_details : {};
  push(GEN_AI.usageCacheReadInputTokens, optionalNumber(prompt.cached_tokens));
  push(GEN_AI.usageCacheCreationInputTokens, optionalNumber(prompt.cache_creation_tokens));
  push(GEN_AI.usageReasoningOutputTokens, optionalNumber(completion.reasoning_tokens));
  return attrs;
}

function finishReasons(records: readonly JsonRecord[]): string[] {
  const reasons: string[] = [];
  for (const record of records) {
    if (!Array.isArray(record.choices)) continue;
    for (const choice of record.choices) {
      if (isRecord(choice) && typeof choice.finish_reason === 'string' && choice.finish_reason !== '') reasons.push(choice.finish_reason);
    }
  }
  return reasons;
}
