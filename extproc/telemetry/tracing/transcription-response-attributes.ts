/**
 * OpenInference attributes for an audio transcription response (upstream TranscriptionRecorder
 * RecordResponse): output.value is the transcript text itself (text/plain), with the audio's
 * duration and language when the response format reports them (`verbose_json`). A transcript in
 * a non-JSON format (`text`, `srt`, `vtt`) is recorded as it came.
 */
import { isRecord, optionalNumber } from '../../../common/json-guards.js';
import type { OpenInferenceConfig } from './open-inference-config.js';
import { MIME_TYPE_TEXT, OI, type SpanAttributes, type SpanOutcome } from './span-attributes.js';
import type { SpanResponse } from './span-recorder.js';

export const OUTPUT_AUDIO_DURATION = 'output.audio_duration';
export const OUTPUT_LANGUAGE = 'output.language';

/** The transcript text: `text` of a JSON response, else the whole body. */
export function transcriptText(response: SpanResponse): string {
  if (isRecord(response.json)) return typeof response.json.text === 'string' ? response.json.text : '';
  return response.raw;
}

export function transcriptionResponseAttributes(response: SpanResponse, config: OpenInferenceConfig): SpanOutcome {
  const attrs: SpanAttributes = [];
  if (!config.hideOutputs) {
    attrs.push([OI.outputValue, transcriptText(response)], [OI.outputMimeType, MIME_TYPE_TEXT]);
    const body = isRecord(response.json) ? response.json : {};
    const duration = optionalNumber(body.duration);
    if (duration !== undefined && duration > 0) attrs.push([OUTPUT_AUDIO_DURATION, duration]);
    if (typeof body.language === 'string' && body.language !== '') attrs.push([OUTPUT_LANGUAGE, body.language]);
  }
  return { attributes: attrs, events: [], status: { code: 'OK' } };
}
