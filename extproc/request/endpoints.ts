/**
 * The client-facing endpoints the gateway understands, keyed by exact path (query stripped).
 * `operation` is the GenAI operation name used for metrics and spans.
 */
export type EndpointName =
  | 'chat-completions'
  | 'completions'
  | 'embeddings'
  | 'responses'
  | 'responses-input-tokens'
  | 'images-generations'
  | 'audio-speech'
  | 'audio-transcriptions'
  | 'audio-translations'
  | 'messages'
  | 'count-tokens'
  | 'rerank'
  | 'tokenize'
  | 'models'
  | 'anthropic-models';

/** The API family a client speaks on an endpoint: decides the shape of error bodies. */
export type ClientAPI = 'openai' | 'anthropic' | 'cohere';

export interface Endpoint {
  name: EndpointName;
  /** Path suffix appended to a backend's schema prefix, e.g. `chat/completions`. */
  suffix: string;
  operation:
    | 'chat'
    | 'completion'
    | 'embeddings'
    | 'responses'
    | 'responses_input_tokens'
    | 'image_generation'
    | 'speech'
    | 'transcription'
    | 'translation'
    | 'messages'
    | 'count_tokens'
    | 'rerank'
    | 'tokenize'
    | 'models';
  clientAPI: ClientAPI;
  /** Whether a body with `model` is expected (false for GET model lists). */
  hasBody: boolean;
  /** `multipart`: a form upload (audio); `model` and `stream` are form fields. */
  bodyFormat?: 'json' | 'multipart';
  /** Whether the endpoint can answer with an SSE stream (`stream: true`). */
  canStream: boolean;
}

const openAI = (name: EndpointName, suffix: string, operation: Endpoint['operation'], canStream: boolean): Endpoint => ({
  name,
  suffix,
  operation,
  clientAPI: 'openai',
  hasBody: true,
  canStream,
});

const ENDPOINTS: ReadonlyMap<string, Endpoint> = new Map<string, Endpoint>([
  ['/v1/chat/completions', openAI('chat-completions', 'chat/completions', 'chat', true)],
  ['/v1/completions', openAI('completions', 'completions', 'completion', true)],
  ['/v1/embeddings', openAI('embeddings', 'embeddings', 'embeddings', false)],
  ['/v1/responses', openAI('responses', 'responses', 'responses', true)],
  // The Responses API's input token count: the request body of /v1/responses, answered with a count.
  ['/v1/responses/input_tokens', openAI('responses-input-tokens', 'responses/input_tokens', 'responses_input_tokens', false)],
  ['/v1/images/generations', openAI('images-generations', 'images/generations', 'image_generation', false)],
  // stream_format "sse" streams speech; the response content type tells the exchange.
  ['/v1/audio/speech', openAI('audio-speech', 'audio/speech', 'speech', false)],
  // multipart/form-data uploads; transcriptions stream with the form field stream=true.
  ['/v1/audio/transcriptions', { ...openAI('audio-transcriptions', 'audio/transcriptions', 'transcription', true), bodyFormat: 'multipart' }],
  ['/v1/audio/translations', { ...openAI('audio-translations', 'audio/translations', 'translation', false), bodyFormat: 'multipart' }],
  ['/v1/models', { name: 'models', suffix: 'models', operation: 'models', clientAPI: 'openai', hasBody: false, canStream: false }],
  ['/anthropic/v1/messages', { name: 'messages', suffix: 'messages', operation: 'messages', clientAPI: 'anthropic', hasBody: true, canStream: true }],
  [
    '/anthropic/v1/messages/count_tokens',
    { name: 'count-tokens', suffix: 'messages/count_tokens', operation: 'count_tokens', clientAPI: 'anthropic', hasBody: true, canStream: false },
  ],
  ['/anthropic/v1/models', { name: 'anthropic-models', suffix: 'models', operation: 'models', clientAPI: 'anthropic', hasBody: false, canStream: false }],
  ['/cohere/v2/rerank', { name: 'rerank', suffix: 'rerank', operation: 'rerank', clientAPI: 'cohere', hasBody: true, canStream: false }],
  // vLLM's tokenizer endpoint (at the root, as vLLM serves it), OpenAI-style errors; counted by providers that can.
  ['/tokenize', openAI('tokenize', 'tokenize', 'tokenize', false)],
]);

/** Endpoints whose requests go to a backend (everything but the locally answered model lists). */
export type TranslatedEndpointName = Exclude<EndpointName, 'models' | 'anthropic-models'>;

/** Looks up the endpoint for a request path; the query string is ignored. */
export function findEndpoint(path: string): Endpoint | undefined {
  const queryAt = path.indexOf('?');
  return ENDPOINTS.get(queryAt === -1 ? path : path.slice(0, queryAt));
}
