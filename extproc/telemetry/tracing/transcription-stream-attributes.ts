/**
 * OpenInference attributes for a streamed transcription (gpt-4o-transcribe with stream=true;
 * upstream TranscriptionRecorder RecordResponseChunks): the `transcript.text.delta` events
 * joined, or the text of `transcript.text.done`, which is authoritative. Nothing when outputs are
 * hidden or no text came; the status is left unset, as upstream leaves it.
 */
import { isRecord } from '../../../common/json-guards.js';
import type { OpenInferenceConfig } from './open-inference-config.js';
import { MIME_TYPE_TEXT, OI, type SpanOutcome } from './span-attributes.js';
import { nothingRecorded } from './span-recorder.js';

export function transcriptionStreamAttributes(chunks: readonly unknown[], config: OpenInferenceConfig): SpanOutcome {
  if (chunks.length === 0 || config.hideOutputs) return nothingRecorded();
  let text = '';
  let done = false;
  for (const chunk of chunks) {
    if (!isRecord(chunk)) continue;
    if (chunk.type === 'transcript.text.delta' && !done && typeof chunk.delta === 'string') text += chunk.delta;
    if (chunk.type === 'transcript.text.done' && typeof chunk.text === 'string' && chunk.text !== '') {
      text = chunk.text;
      done = true;
    }
  }
  if (text === '') return nothingRecorded();
  return { attributes: [[OI.outputValue, text], [OI.outputMimeType, MIME_TYPE_TEXT]], events: [], status: { code: 'UNSET' } };
}
