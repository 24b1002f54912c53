/**
 * Escapes one URL path segment the way upstream aigw does (Go's `url.PathEscape`): unreserved
 * characters and `:@&=+$` stay as they are, everything else (including `/`) is percent-encoded.
 * Bedrock model IDs (`us.meta.llama3-2-1b-instruct-v1:0`) and ARNs (`arn:aws:bedrock:…/…`) then
 * reach AWS as upstream sends them, and SigV4 signs that exact path.
 */
export function pathEscape(segment: string): string {
  return encodeURIComponent(segment).replace(/%(3A|40|26|3D|2B|24)/g, (escaped) => decodeURIComponent(escaped));
}
