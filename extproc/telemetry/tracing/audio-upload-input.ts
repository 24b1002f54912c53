/**
 * input.value of an audio upload span (transcription, translation): a small JSON summary of the
 * form, never the audio. Upstream writes the same fields, in this order, with `language` only
 * for transcriptions (translations always produce English).
 */
import type { SpanRequest } from './span-recorder.js';

export function audioUploadInput(request: SpanRequest, withLanguage: boolean): string {
  const field = (name: string): string => {
    const value = request.json[name];
    return typeof value === 'string' ? value : '';
  };
  return JSON.stringify({
    model: field('model'),
    file_name: request.file?.name ?? '',
    file_size: request.file?.size ?? 0,
    ...(withLanguage ? { language: field('language') } : {}),
    response_format: field('response_format'),
  });
}
