/**
 * OpenInference attributes for an image generation response (upstream ImageGenerationRecorder
 * RecordResponse): output.value is the response re-serialized; images themselves (URLs or
 * base64) get no attributes of their own.
 */
import type { OpenInferenceConfig } from './open-inference-config.js';
import { MIME_TYPE_JSON, OI, REDACTED_VALUE, type SpanOutcome } from './span-attributes.js';
import type { SpanResponse } from './span-recorder.js';

export function imageGenerationResponseAttributes(response: SpanResponse, config: OpenInferenceConfig): SpanOutcome {
  const output = config.hideOutputs ? REDACTED_VALUE : response.json !== undefined ? JSON.stringify(response.json) : response.raw;
  return { attributes: [[OI.outputMimeType, MIME_TYPE_JSON], [OI.outputValue, output]], events: [], status: { code: 'OK' } };
}
