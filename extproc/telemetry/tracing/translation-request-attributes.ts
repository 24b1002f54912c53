/** OpenInference attributes recorded when an audio translation starts (upstream `openinference/openai/translation.go`). */
import type { OpenInferenceConfig } from './open-inference-config.js';
import type { SpanAttributes } from './span-attributes.js';
import type { SpanRequest } from './span-recorder.js';
import { audioUploadRequestAttributes } from './transcription-request-attributes.js';

export function translationRequestAttributes(request: SpanRequest, config: OpenInferenceConfig): SpanAttributes {
  return audioUploadRequestAttributes(request, config, false);
}
