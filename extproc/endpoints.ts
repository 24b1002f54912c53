/**
 * The client-facing endpoints the gateway understands, keyed by exact path (query stripped).
 * `operation` is the GenAI operation name used for metrics and spans.
 */
export type EndpointName = 'chat-completions' | 'completions' | 'embeddings' | 'models';

export interface Endpoint {
  name: EndpointName;
  /** Path suffix appended to a backend's schema prefix, e.g. `chat/completions`. */
  suffix: string;
  operation: 'chat' | 'completion' | 'embeddings' | 'models';
  /** Whether a JSON body with `model` is expected (false for GET /v1/models). */
  hasBody: boolean;
  /** Whether the endpoint can answer with an SSE stream (`stream: true`). */
  canStream: boolean;
}

const ENDPOINTS: ReadonlyMap<string, Endpoint> = new Map<string, Endpoint>([
  ['/v1/chat/completions', { name: 'chat-completions', suffix: 'chat/completions', operation: 'chat', hasBody: true, canStream: true }],
  ['/v1/completions', { name: 'completions', suffix: 'completions', operation: 'completion', hasBody: true, canStream: true }],
  ['/v1/embeddings', { name: 'embeddings', suffix: 'embeddings', operation: 'embeddings', hasBody: true, canStream: false }],
  ['/v1/models', { name: 'models', suffix: 'models', operation: 'models', hasBody: false, canStream: false }],
]);

/** Looks up the endpoint for a request path; the query string is ignored. */
export function findEndpoint(path: string): Endpoint | undefined {
  const queryAt = path.indexOf('?');
  return ENDPOINTS.get(queryAt === -1 ? path : path.slice(0, queryAt));
}
