/** OpenInference attributes for an audio translation response (upstream TranslationRecorder RecordResponse): the English text only. */
import type { OpenInferenceConfig } from './open-inference-config.js';
import { MIME_TYPE_TEXT, OI, type SpanOutcome } from './span-attributes.js';
import type { SpanResponse } from './span-recorder.js';
import { transcriptText } from './transcription-response-attributes.js';

export function translationResponseAttributes(response: SpanResponse, config: OpenInferenceConfig): SpanOutcome {
  return {
    attributes: config.hideOutputs ? [] : [[OI.outputValue, transcriptText(response)], [OI.outputMimeType, MIME_TYPE_TEXT]],
    events: [],
    status: { code: 'OK' },
  };
}
