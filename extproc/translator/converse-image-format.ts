import type { ConverseImageFormat } from './converse-types.js';

/**
 * The Converse image `format` for a media type (`image/png` → `png`); undefined for the types
 * Converse does not take, which the caller refuses (422).
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ImageBlock.html
 */
export function converseImageFormat(mediaType: string): ConverseImageFormat | undefined {
  switch (mediaType.trim().toLowerCase()) {
    case 'image/png':
      return 'png';
    case 'image/jpeg':
    case 'image/jpg':
      return 'jpeg';
    case 'image/gif':
      return 'gif';
    case 'image/webp':
      return 'webp';
    default:
      return undefined;
  }
}
