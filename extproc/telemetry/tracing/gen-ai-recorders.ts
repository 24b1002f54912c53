/**
 * The OpenTelemetry GenAI span of every endpoint that reaches a backend
 * (AI_GATEWAY_TRACING_SEMCONV=gen_ai; upstream `otelgenai/endpoints.go`): chat, completions and
 * embeddings with their request parameters, usage and (opt-in) message content; the Responses
 * API and Anthropic Messages as `chat` with their own usage shapes; images, audio, rerank and
 * token counting with the operation and model only, as upstream records them.
 */
import type { TranslatedEndpointName } from '../../request/endpoints.js';
import type { TracedEndpointName } from './traced-endpoints.js';
import { isRecord } from '../../../common/json-guards.js';
import { providerName } from '../metrics/genai-metrics.js';
import { accumulateMessagesStream } from './accumulate-messages-stream.js';
import { GEN_AI, genAIErrorAttributes, genAIRequestAttributes, genAIResponseAttributes, genAISpanName, genAIStreamAttributes, type GenAIOperation } from './gen-ai-attributes.js';
import { chatInputMessageAttributes, chatOutputMessageAttributes, chatStreamOutputMessageAttributes, completionInputMessageAttributes, completionOutputMessageAttributes } from './gen-ai-messages.js';
import { genAIMessagesOutcome, genAIResponsesOutcome } from './gen-ai-usage-attributes.js';
import type { SpanAttributes, SpanOutcome } from './span-attributes.js';
import { nothingRecorded, type SpanRecorder } from './span-recorder.js';

interface GenAIContent {
  input(body: unknown): SpanAttributes;
  output(body: unknown): SpanAttributes;
  stream(chunks: readonly unknown[]): SpanAttributes;
}

const GEN_AI_CONTENT: Partial<Record<TranslatedEndpointName, GenAIContent>> = {
  'chat-completions': { input: chatInputMessageAttributes, output: chatOutputMessageAttributes, stream: chatStreamOutputMessageAttributes },
  // Completion chunks are whole responses: the last one carries the final text.
  completions: { input: completionInputMessageAttributes, output: completionOutputMessageAttributes, stream: (chunks) => completionOutputMessageAttributes(chunks[chunks.length - 1]) },
};

function withAttributes(outcome: SpanOutcome, extra: SpanAttributes): SpanOutcome {
  return extra.length === 0 ? outcome : { ...outcome, attributes: [...outcome.attributes, ...extra] };
}

/** What every GenAI span shares: the name, kind, provider and error attributes. */
function base(operation: GenAIOperation, capture: boolean): Pick<SpanRecorder, 'name' | 'kind' | 'backend' | 'error'> {
  return {
    name: (model) => genAISpanName(operation, model),
    kind: 'CLIENT',
    backend: (schema) => [[GEN_AI.providerName, providerName(schema)]],
    error: (status, body) => genAIErrorAttributes(status, capture ? body : undefined),
  };
}

/** An OpenAI-shaped endpoint: request parameters, response id/model/usage, content when captured. */
function openAIShaped(endpoint: TranslatedEndpointName, operation: GenAIOperation, capture: boolean, streams: boolean): SpanRecorder {
  const content = capture ? GEN_AI_CONTENT[endpoint] : undefined;
  return {
    ...base(operation, capture),
    request: (request) => [...genAIRequestAttributes(operation, request.json), ...(content?.input(request.json) ?? [])],
    response: (response) => withAttributes(genAIResponseAttributes(response.json ?? {}), content?.output(response.json ?? {}) ?? []),
    ...(streams ? { stream: (chunks: readonly unknown[]) => withAttributes(genAIStreamAttributes(chunks), content?.stream(chunks) ?? []) } : {}),
  };
}

/** An endpoint whose GenAI span names only the operation and the model. */
function operationOnly(operation: GenAIOperation, capture: boolean): SpanRecorder {
  return {
    ...base(operation, capture),
    request: (request) => [[GEN_AI.operationName, operation], ...(typeof request.json.model === 'string' ? [[GEN_AI.requestModel, request.json.model] as const] : [])],
    response: nothingRecorded,
  };
}

function completedResponse(events: readonly unknown[]): unknown {
  let completed: unknown;
  for (const event of events) if (isRecord(event) && event.type === 'response.completed') completed = event.response;
  return completed;
}

export function genAIRecorders(capture: boolean): Record<TracedEndpointName, SpanRecorder> {
  return {
    'chat-completions': openAIShaped('chat-completions', 'chat', capture, true),
    completions: openAIShaped('completions', 'text_completion', capture, true),
    embeddings: openAIShaped('embeddings', 'embeddings', capture, false),
    responses: {
      ...base('chat', capture),
      request: (request) => genAIRequestAttributes('chat', request.json),
      response: (response) => genAIResponsesOutcome(response.json),
      stream: (events) => genAIResponsesOutcome(completedResponse(events)),
    },
    messages: {
      ...base('chat', capture),
      request: (request) => genAIRequestAttributes('chat', request.json),
      response: (response) => genAIMessagesOutcome(response.json),
      stream: (events) => genAIMessagesOutcome(accumulateMessagesStream(events)),
    },
    'images-generations': operationOnly('image_generation', capture),
    'audio-speech': operationOnly('speech', capture),
    'audio-transcriptions': operationOnly('transcription', capture),
    'audio-translations': operationOnly('translation', capture),
    rerank: operationOnly('rerank', capture),
    'count-tokens': operationOnly('tokenize', capture),
  };
}
