/** Span names and kind for OpenInference spans (upstream `StartParams` of each recorder). */

export const OPENINFERENCE_SPAN_NAMES = {
  chatCompletion: 'ChatCompletion',
  completion: 'Completion',
  embeddings: 'CreateEmbeddings',
  imageGeneration: 'ImagesResponse',
  responses: 'Responses',
  responsesInputTokens: 'ResponsesInputTokens',
  audioSpeech: 'AudioSpeech',
  transcription: 'Transcription',
  translation: 'Translation',
  rerank: 'Rerank',
  messages: 'Message',
  tokenize: 'Tokenize',
  countTokens: 'CountTokens',
} as const;

export type OpenInferenceOperation = keyof typeof OPENINFERENCE_SPAN_NAMES;

/** OpenInference spans are always INTERNAL (OTLP `SPAN_KIND_INTERNAL`). */
export const OPENINFERENCE_SPAN_KIND = 'INTERNAL';

export function openInferenceSpanName(operation: OpenInferenceOperation): string {
  return OPENINFERENCE_SPAN_NAMES[operation];
}
