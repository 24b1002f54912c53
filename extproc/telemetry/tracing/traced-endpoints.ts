import type { EndpointName, TranslatedEndpointName } from '../../request/endpoints.js';

/**
 * Endpoints that reach a backend but get no span: upstream has no recorder for the token counts
 * of Responses input (`/v1/responses/input_tokens`) nor for vLLM's `/tokenize`.
 */
const UNTRACED = ['responses-input-tokens', 'tokenize'] as const satisfies readonly TranslatedEndpointName[];

/** The endpoints with a span; every recorder table covers each of them. */
export type TracedEndpointName = Exclude<TranslatedEndpointName, (typeof UNTRACED)[number]>;

const UNTRACED_SET: ReadonlySet<string> = new Set(UNTRACED);

export function isTraced(endpoint: EndpointName): endpoint is TracedEndpointName {
  return endpoint !== 'models' && endpoint !== 'anthropic-models' && !UNTRACED_SET.has(endpoint);
}
