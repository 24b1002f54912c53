/** Media types of the file extensions Gemini accepts by URI (images, documents, audio, video). */
const BY_EXTENSION: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  heic: 'image/heic',
  heif: 'image/heif',
  pdf: 'application/pdf',
  txt: 'text/plain',
  mp3: 'audio/mpeg',
  wav: 'audio/wav',
  flac: 'audio/flac',
  aac: 'audio/aac',
  ogg: 'audio/ogg',
  mp4: 'video/mp4',
  mov: 'video/mov',
  mpeg: 'video/mpeg',
  webm: 'video/webm',
};

/**
 * Guesses a file's media type from the extension of its URI (`gs://b/cat.PNG`,
 * `https://x/cat.jpg?v=1`). Gemini's `fileData` requires one and OpenAI's `image_url` does not
 * carry it, so an unknown extension gets `fallback`.
 */
export function guessMimeType(uri: string, fallback: string): string {
  const path = uri.replace(/[?#].*$/s, '');
  const dot = path.lastIndexOf('.');
  if (dot === -1 || dot < path.lastIndexOf('/')) return fallback;
  const extension = path.slice(dot + 1).toLowerCase();
  // Own keys only: an extension like "constructor" must not find Object.prototype members.
  return (Object.hasOwn(BY_EXTENSION, extension) ? BY_EXTENSION[extension] : undefined) ?? fallback;
}
