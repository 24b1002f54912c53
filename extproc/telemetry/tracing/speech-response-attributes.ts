/**
 * OpenInference attributes for a speech synthesis response (upstream SpeechRecorder
 * RecordResponse): the audio is never recorded, only its size. The MIME type is upstream's
 * fixed `audio/mpeg` whatever the format asked for. A speech stream (`stream_format: "sse"`)
 * records nothing, as upstream's no-op chunk recorder: the speech recorder has no `stream`.
 */
import type { OpenInferenceConfig } from './open-inference-config.js';
import { OI, type SpanOutcome } from './span-attributes.js';
import type { SpanResponse } from './span-recorder.js';

export const OUTPUT_AUDIO_BYTES = 'output.audio_bytes';

export function speechResponseAttributes(response: SpanResponse, config: OpenInferenceConfig): SpanOutcome {
  return {
    attributes: config.hideOutputs ? [] : [[OI.outputMimeType, 'audio/mpeg'], [OUTPUT_AUDIO_BYTES, response.byteLength]],
    events: [],
    status: { code: 'OK' },
  };
}
