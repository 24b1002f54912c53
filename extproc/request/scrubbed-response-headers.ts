import type { HeaderValueOption } from '../generated/envoy/config/core/v3/HeaderValueOption.js';
import type { HttpHeaders__Output } from '../generated/envoy/service/ext_proc/v3/HttpHeaders.js';
import type { SecretScrubber } from './secret-scrubber.js';

/**
 * The header edits that take every secret out of a provider's response headers (a debug header,
 * `www-authenticate`, a redirect URL quoting the key). Empty, the usual case, when no value has
 * one. A header that occurs several times (`set-cookie`) is rewritten whole: the first value
 * overwrites, the others are appended, so the values without a secret survive in order.
 */
export function scrubbedResponseHeaders(scrubber: SecretScrubber, message: HttpHeaders__Output | undefined): HeaderValueOption[] {
  const entries = (message?.headers?.headers ?? []).map((header) => ({
    key: header.key ?? '',
    value: header.raw_value && header.raw_value.length > 0 ? header.raw_value : Buffer.from(header.value ?? ''),
  }));
  const dirty = new Set<string>();
  for (const { key, value } of entries) if (!key.startsWith(':') && scrubber.scrub(value)) dirty.add(key);
  if (dirty.size === 0) return [];
  const written = new Set<string>();
  const edits: HeaderValueOption[] = [];
  for (const { key, value } of entries) {
    if (!dirty.has(key)) continue;
    edits.push({ header: { key, raw_value: scrubber.scrub(value) ?? value }, append_action: written.has(key) ? 'APPEND_IF_EXISTS_OR_ADD' : 'OVERWRITE_IF_EXISTS_OR_ADD' });
    written.add(key);
  }
  return edits;
}
