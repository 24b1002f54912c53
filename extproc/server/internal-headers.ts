/**
 * The gateway's own request headers: every `x-ai-eg-*` header is set by the gateway or by Envoy
 * for it (the model, the route, the original path, the MCP route and backend, and upstream's
 * `x-ai-eg-upstream-host`, `x-ai-eg-internal-req-id`, …), never by a client. A client's copies
 * are removed before anything reads the request, so none steers routing or signing, and none
 * reaches a provider. The prefix covers names the gateway adds later too.
 */
import type { HttpHeaders__Output } from '../generated/envoy/service/ext_proc/v3/HttpHeaders.js';

export const INTERNAL_HEADER_PREFIX = 'x-ai-eg-';

/** The `x-ai-eg-*` headers a request came in with (lower-case, each once). */
export function clientInternalHeaders(message: HttpHeaders__Output | undefined): string[] {
  const names = new Set<string>();
  for (const header of message?.headers?.headers ?? []) {
    const name = header.key?.toLowerCase();
    if (name?.startsWith(INTERNAL_HEADER_PREFIX)) names.add(name);
  }
  return [...names];
}
