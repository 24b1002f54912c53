/**
 * Shared types and OpenInference attribute keys for the tracing helpers in this folder.
 * Everything here is plain data: no OpenTelemetry dependency. A span's attributes are an
 * ordered list of key/value pairs (the order upstream Envoy AI Gateway sets them in), which
 * `spanAttributesToRecord` turns into a record when order does not matter.
 */

/** A span attribute value, as OpenTelemetry JS accepts it. */
export type SpanAttributeValue = string | number | boolean | string[] | number[];

/** One attribute: [key, value]. */
export type SpanAttribute = readonly [key: string, value: SpanAttributeValue];

/** Ordered attributes; a later entry with the same key overrides an earlier one (as span.setAttribute does). */
export type SpanAttributes = SpanAttribute[];

export interface SpanEvent {
  readonly name: string;
  readonly attributes: SpanAttributes;
}

/** Mirrors OpenTelemetry's SpanStatusCode names. */
export interface SpanStatus {
  readonly code: 'UNSET' | 'OK' | 'ERROR';
  readonly message?: string;
}

/** What a response (or error) adds to a span: attributes, events, and the final status. */
export interface SpanOutcome {
  readonly attributes: SpanAttributes;
  readonly events: SpanEvent[];
  readonly status: SpanStatus;
}

/** Hidden values are replaced with this sentinel (OpenInference configuration spec). */
export const REDACTED_VALUE = '__REDACTED__';

export const MIME_TYPE_JSON = 'application/json';

/** OpenInference attribute keys used by the recorders in this folder. */
export const OI = {
  spanKind: 'openinference.span.kind',
  llmSystem: 'llm.system',
  llmModelName: 'llm.model_name',
  llmInvocationParameters: 'llm.invocation_parameters',
  inputValue: 'input.value',
  inputMimeType: 'input.mime_type',
  outputValue: 'output.value',
  outputMimeType: 'output.mime_type',
  tokenCountPrompt: 'llm.token_count.prompt',
  tokenCountCompletion: 'llm.token_count.completion',
  tokenCountTotal: 'llm.token_count.total',
  tokenCountPromptCacheRead: 'llm.token_count.prompt_details.cache_read',
  tokenCountPromptCacheWrite: 'llm.token_count.prompt_details.cache_write',
  tokenCountPromptAudio: 'llm.token_count.prompt_details.audio',
  tokenCountCompletionReasoning: 'llm.token_count.completion_details.reasoning',
  tokenCountCompletionAudio: 'llm.token_count.completion_details.audio',
  embeddingModelName: 'embedding.model_name',
  embeddingInvocationParameters: 'embedding.invocation_parameters',
  rerankerModelName: 'reranker.model_name',
  rerankerQuery: 'reranker.query',
  rerankerTopK: 'reranker.top_k',
} as const;

export const SPAN_KIND_LLM = 'LLM';
export const SPAN_KIND_EMBEDDING = 'EMBEDDING';
export const SPAN_KIND_RERANKER = 'RERANKER';
export const LLM_SYSTEM_OPENAI = 'openai';
export const LLM_SYSTEM_ANTHROPIC = 'anthropic';
export const LLM_SYSTEM_COHERE = 'cohere';
export const MIME_TYPE_TEXT = 'text/plain';

export function inputMessageKey(index: number, suffix: string): string {
  return `llm.input_messages.${index}.${suffix}`;
}

export function inputMessageContentKey(messageIndex: number, contentIndex: number, suffix: string): string {
  return `llm.input_messages.${messageIndex}.message.contents.${contentIndex}.message_content.${suffix}`;
}

export function outputMessageKey(index: number, suffix: string): string {
  return `llm.output_messages.${index}.${suffix}`;
}

export function outputMessageContentKey(messageIndex: number, contentIndex: number, suffix: string): string {
  return `llm.output_messages.${messageIndex}.message.contents.${contentIndex}.message_content.${suffix}`;
}

export function inputToolCallKey(messageIndex: number, toolCallIndex: number, suffix: string): string {
  return `llm.input_messages.${messageIndex}.message.tool_calls.${toolCallIndex}.${suffix}`;
}

export function outputToolCallKey(messageIndex: number, toolCallIndex: number, suffix: string): string {
  return `llm.output_messages.${messageIndex}.message.tool_calls.${toolCallIndex}.${suffix}`;
}

export function toolJsonSchemaKey(index: number): string {
  return `llm.tools.${index}.tool.json_schema`;
}

export function embeddingTextKey(index: number): string {
  return `embedding.embeddings.${index}.embedding.text`;
}

export function embeddingVectorKey(index: number): string {
  return `embedding.embeddings.${index}.embedding.vector`;
}

/** `reranker.input_documents.N.document.content` and the like. */
export function rerankerInputDocumentKey(index: number, suffix: string): string {
  return `reranker.input_documents.${index}.${suffix}`;
}

/** `reranker.output_documents.N.document.score` and the like. */
export function rerankerOutputDocumentKey(index: number, suffix: string): string {
  return `reranker.output_documents.${index}.${suffix}`;
}

/** Collapses an ordered attribute list into a record (last write wins, like span.setAttribute). */
export function spanAttributesToRecord(attributes: readonly SpanAttribute[]): Record<string, SpanAttributeValue> {
  const out: Record<string, SpanAttributeValue> = {};
  for (const [key, value] of attributes) out[key] = value;
  return out;
}
