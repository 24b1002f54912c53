/**
 * The OpenInference span of every endpoint that reaches a backend (upstream's default
 * convention; one recorder per endpoint, as upstream `openinference/*`). The table is total:
 * a new endpoint does not build until it says what its span records.
 */
import type { TracedEndpointName } from './traced-endpoints.js';
import { chatErrorAttributes } from './chat-error-attributes.js';
import { chatRequestAttributes } from './chat-request-attributes.js';
import { chatResponseAttributes } from './chat-response-attributes.js';
import { chatStreamAttributes } from './chat-stream-attributes.js';
import { completionErrorAttributes, completionRequestAttributes, completionResponseAttributes, completionStreamAttributes } from './completion-attributes.js';
import { countTokensRequestAttributes, countTokensResponseAttributes } from './count-tokens-attributes.js';
import { embeddingsErrorAttributes } from './embeddings-error-attributes.js';
import { embeddingsRequestAttributes } from './embeddings-request-attributes.js';
import { embeddingsResponseAttributes } from './embeddings-response-attributes.js';
import { imageGenerationRequestAttributes } from './image-generation-request-attributes.js';
import { imageGenerationResponseAttributes } from './image-generation-response-attributes.js';
import { messagesRequestAttributes } from './messages-request-attributes.js';
import { messagesResponseAttributes } from './messages-response-attributes.js';
import { messagesStreamAttributes } from './messages-stream-attributes.js';
import { openInferenceSpanName, type OpenInferenceOperation } from './open-inference-span-name.js';
import { rerankRequestAttributes } from './rerank-request-attributes.js';
import { rerankResponseAttributes } from './rerank-response-attributes.js';
import { responseErrorOutcome } from './response-error-outcome.js';
import { responsesRequestAttributes } from './responses-request-attributes.js';
import { responsesResponseAttributes } from './responses-response-attributes.js';
import { responsesStreamAttributes } from './responses-stream-attributes.js';
import { speechRequestAttributes } from './speech-request-attributes.js';
import { speechResponseAttributes } from './speech-response-attributes.js';
import type { SpanRecorder, SpanResponse } from './span-recorder.js';
import { transcriptionRequestAttributes } from './transcription-request-attributes.js';
import { transcriptionResponseAttributes } from './transcription-response-attributes.js';
import { transcriptionStreamAttributes } from './transcription-stream-attributes.js';
import { translationRequestAttributes } from './translation-request-attributes.js';
import { translationResponseAttributes } from './translation-response-attributes.js';

function openInference(operation: OpenInferenceOperation): Pick<SpanRecorder, 'name' | 'kind' | 'error'> {
  return { name: () => openInferenceSpanName(operation), kind: 'INTERNAL', error: responseErrorOutcome };
}

/**
 * Chat, completions and embeddings read a 2xx that is not JSON as `{}` (upstream decodes into a
 * typed response first, which leaves it empty), so their output.value then shows `{}`.
 */
function bodyOf(response: SpanResponse): unknown {
  return response.json ?? {};
}

export const OPENINFERENCE_RECORDERS: Record<TracedEndpointName, SpanRecorder> = {
  'chat-completions': {
    ...openInference('chatCompletion'),
    request: (request, config) => chatRequestAttributes(request.json, request.raw, config),
    response: (response, config) => chatResponseAttributes(bodyOf(response), response.raw, config),
    stream: chatStreamAttributes,
    error: chatErrorAttributes,
  },
  completions: {
    ...openInference('completion'),
    request: (request, config) => completionRequestAttributes(request.json, request.raw, config),
    response: (response, config) => completionResponseAttributes(bodyOf(response), response.raw, config),
    stream: completionStreamAttributes,
    error: completionErrorAttributes,
  },
  embeddings: {
    ...openInference('embeddings'),
    request: (request, config) => embeddingsRequestAttributes(request.json, request.raw, config),
    response: (response, config) => embeddingsResponseAttributes(bodyOf(response), response.raw, config),
    error: embeddingsErrorAttributes,
  },
  'images-generations': { ...openInference('imageGeneration'), request: imageGenerationRequestAttributes, response: imageGenerationResponseAttributes },
  'audio-speech': { ...openInference('audioSpeech'), request: speechRequestAttributes, response: speechResponseAttributes },
  'audio-transcriptions': { ...openInference('transcription'), request: transcriptionRequestAttributes, response: transcriptionResponseAttributes, stream: transcriptionStreamAttributes },
  'audio-translations': { ...openInference('translation'), request: translationRequestAttributes, response: translationResponseAttributes },
  responses: { ...openInference('responses'), request: responsesRequestAttributes, response: responsesResponseAttributes, stream: responsesStreamAttributes },
  messages: { ...openInference('messages'), request: messagesRequestAttributes, response: messagesResponseAttributes, stream: messagesStreamAttributes },
  'count-tokens': { ...openInference('countTokens'), request: countTokensRequestAttributes, response: countTokensResponseAttributes },
  rerank: { ...openInference('rerank'), request: rerankRequestAttributes, response: rerankResponseAttributes },
};
