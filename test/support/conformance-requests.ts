import type { TranslatedEndpointName } from '../../extproc/request/endpoints.js';
import type { JsonRecord } from '../../common/json-guards.js';

/**
 * Client requests for the translator conformance suite (`translator-conformance.test.ts`), not
 * a test file itself: per endpoint, the smallest request the endpoint accepts, and probes that
 * a backend may be unable to express (malformed or unsupported input, plus one rich valid request
 * so that every feature path is walked). Each names the same client model, so tests can look for it.
 */

/** The model every conformance request names (distinct from any override the suite sets). */
export const CLIENT_MODEL = 'conformance-client-model';

const model = CLIENT_MODEL;
const user = (content: unknown): JsonRecord => ({ role: 'user', content });
const PNG = 'data:image/png;base64,iVBORw0KGgo=';

/** The smallest valid request per endpoint (non-streaming; the suite adds `stream: true`). */
export const MINIMAL_REQUESTS: Readonly<Record<TranslatedEndpointName, JsonRecord>> = {
  'chat-completions': { model, messages: [user('Say hi.')] },
  completions: { model, prompt: 'Say hi.' },
  embeddings: { model, input: 'hello' },
  responses: { model, input: 'Say hi.' },
  'responses-input-tokens': { model, input: 'Say hi.' },
  'images-generations': { model, prompt: 'A red circle' },
  'audio-speech': { model, input: 'Hello.', voice: 'alloy' },
  // Form fields of the multipart upload (the suite adds the file part).
  'audio-transcriptions': { model, language: 'en' },
  'audio-translations': { model, prompt: 'Translate.' },
  messages: { model, max_tokens: 16, messages: [user('Say hi.')] },
  'count-tokens': { model, messages: [user('Say hi.')] },
  rerank: { model, query: 'Capital of France?', documents: ['Paris is the capital of France.', 'Berlin is in Germany.'] },
  tokenize: { model, prompt: 'Say hi.' },
};

/** The request as the router hands it on for `stream: true` (with usage asked for, as the router does). */
export function streamingRequest(name: TranslatedEndpointName): JsonRecord {
  const minimal = MINIMAL_REQUESTS[name];
  const usage = name === 'chat-completions' || name === 'completions' ? { stream_options: { include_usage: true } } : {};
  return { ...minimal, stream: true, ...usage };
}

/** A request a translator must either accept or refuse with a 400/422 GatewayError. */
export interface Probe {
  name: string;
  json: JsonRecord;
}

const probe = (name: string, fields: JsonRecord): Probe => ({ name, json: { model, ...fields } });

const CHAT_PROBES: Probe[] = [
  probe('messages not an array', { messages: 'hi' }),
  probe('messages missing', {}),
  probe('messages: [42]', { messages: [42] }),
  probe('unknown role', { messages: [{ role: 'robot', content: 'hi' }] }),
  probe('content is a number', { messages: [user(42)] }),
  probe('content part of an unknown type', { messages: [user([{ type: 'video_url', video_url: { url: 'https://example.com/v.mp4' } }])] }),
  probe('content part not an object', { messages: [user(['hi'])] }),
  probe('image_url with an ftp URL', { messages: [user([{ type: 'image_url', image_url: { url: 'ftp://example.com/a.png' } }])] }),
  probe('image data URI of an odd type', { messages: [user([{ type: 'image_url', image_url: { url: 'data:image/tiff;base64,AAAA' } }])] }),
  probe('image_url without url', { messages: [user([{ type: 'image_url', image_url: {} }])] }),
  probe('tool_choice garbage string', { messages: [user('hi')], tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 'sometimes' }),
  probe('tool_choice garbage object', { messages: [user('hi')], tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: { type: 'function' } }),
  probe('tool_choice a number', { messages: [user('hi')], tools: [{ type: 'function', function: { name: 'f' } }], tool_choice: 7 }),
  probe('tools: [42]', { messages: [user('hi')], tools: [42] }),
  probe('tool parameters not an object', { messages: [user('hi')], tools: [{ type: 'function', function: { name: 'f', parameters: 'none' } }] }),
  probe('tool call arguments not JSON', {
    messages: [user('hi'), { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{not json' } }] }, { role: 'tool', tool_call_id: 'c1', content: 'ok' }],
  }),
  probe('tool call arguments a JSON array', {
    messages: [user('hi'), { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '[1]' } }] }, { role: 'tool', tool_call_id: 'c1', content: 'ok' }],
  }),
  probe('tool_calls not an array', { messages: [user('hi'), { role: 'assistant', content: 'x', tool_calls: 'f' }] }),
  probe('tool message without tool_call_id', { messages: [user('hi'), { role: 'tool', content: 'ok' }] }),
  probe('tool message answering no call', { messages: [user('hi'), { role: 'tool', tool_call_id: 'nowhere', content: 'ok' }] }),
  probe('tool message with an image part', { messages: [user('hi'), { role: 'tool', tool_call_id: 'c1', content: [{ type: 'image_url', image_url: { url: PNG } }] }] }),
  probe('response_format of an unknown type', { messages: [user('hi')], response_format: { type: 'yaml' } }),
  probe('json_schema response_format without a schema', { messages: [user('hi')], response_format: { type: 'json_schema', json_schema: { name: 'x' } } }),
  probe('json_object response_format', { messages: [user('hi')], response_format: { type: 'json_object' } }),
  probe('n: 3', { messages: [user('hi')], n: 3 }),
  probe('temperature 1.5', { messages: [user('hi')], temperature: 1.5 }),
  probe('temperature a string', { messages: [user('hi')], temperature: 'hot' }),
  probe('stop a number', { messages: [user('hi')], stop: 42 }),
  probe('reasoning_effort unknown', { messages: [user('hi')], reasoning_effort: 'extreme' }),
  probe('reasoning_effort an Object.prototype key', { messages: [user('hi')], reasoning_effort: '__proto__' }),
  probe('thinking of an unknown type', { messages: [user('hi')], thinking: { type: 'sometimes' } }),
  probe('thinking not an object', { messages: [user('hi')], thinking: 'yes' }),
  probe('empty messages', { messages: [] }),
  probe('rich valid request', {
    messages: [
      { role: 'system', content: 'Be brief.' },
      { role: 'developer', content: [{ type: 'text', text: 'Use tools.', cache_control: { type: 'ephemeral' } }] },
      user([{ type: 'text', text: 'What is in this image, and the weather?' }, { type: 'image_url', image_url: { url: PNG } }]),
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: '{"sky":"clear"}' },
    ],
    tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
    parallel_tool_calls: false,
    response_format: { type: 'json_schema', json_schema: { name: 'answer', schema: { type: 'object', properties: { text: { type: 'string' } } } } },
    max_completion_tokens: 100,
    temperature: 0.5,
    top_p: 0.9,
    stop: ['END'],
    thinking: { type: 'enabled', budget_tokens: 2048 },
    stream_options: { include_usage: true },
  }),
];

const MESSAGES_PROBES: Probe[] = [
  probe('messages not an array', { max_tokens: 16, messages: 'hi' }),
  probe('messages missing', { max_tokens: 16 }),
  probe('messages: [42]', { max_tokens: 16, messages: [42] }),
  probe('system role inside messages', { max_tokens: 16, messages: [{ role: 'system', content: 'hi' }] }),
  probe('content is a number', { max_tokens: 16, messages: [user(42)] }),
  probe('content block of an unknown type', { max_tokens: 16, messages: [user([{ type: 'hologram', data: 'x' }])] }),
  probe('content block not an object', { max_tokens: 16, messages: [user(['hi'])] }),
  probe('image with a file source', { max_tokens: 16, messages: [user([{ type: 'image', source: { type: 'file', file_id: 'f1' } }])] }),
  probe('document of an unsupported source', { max_tokens: 16, messages: [user([{ type: 'document', source: { type: 'content', content: [] } }])] }),
  probe('tool_result with an image', {
    max_tokens: 16,
    messages: [user([{ type: 'tool_result', tool_use_id: 't1', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] }])],
  }),
  probe('tool_result without tool_use_id', { max_tokens: 16, messages: [user([{ type: 'tool_result', content: 'x' }])] }),
  probe('tool_choice garbage type', { max_tokens: 16, messages: [user('hi')], tools: [{ name: 'f', input_schema: { type: 'object' } }], tool_choice: { type: 'sometimes' } }),
  probe('tool_choice a string', { max_tokens: 16, messages: [user('hi')], tools: [{ name: 'f', input_schema: { type: 'object' } }], tool_choice: 'auto' }),
  probe('tool_choice tool without a name', { max_tokens: 16, messages: [user('hi')], tools: [{ name: 'f', input_schema: { type: 'object' } }], tool_choice: { type: 'tool' } }),
  probe('tools: [42]', { max_tokens: 16, messages: [user('hi')], tools: [42] }),
  probe('server tool', { max_tokens: 16, messages: [user('hi')], tools: [{ type: 'web_search_20250305', name: 'web_search' }] }),
  probe('system a number', { max_tokens: 16, system: 42, messages: [user('hi')] }),
  probe('system block not text', { max_tokens: 16, system: [{ type: 'image' }], messages: [user('hi')] }),
  probe('mcp_servers', { max_tokens: 16, messages: [user('hi')], mcp_servers: [{ type: 'url', url: 'https://example.com/mcp', name: 'x' }] }),
  probe('output_config format of an unknown type', { max_tokens: 16, messages: [user('hi')], output_config: { format: { type: 'regex' } } }),
  probe('assistant block of an unknown type', { max_tokens: 16, messages: [user('hi'), { role: 'assistant', content: [{ type: 'hologram' }] }] }),
  probe('rich valid request', {
    max_tokens: 100,
    system: [{ type: 'text', text: 'Be brief.', cache_control: { type: 'ephemeral' } }],
    messages: [
      user([{ type: 'text', text: 'Weather?' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }]),
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'Use the tool.', signature: 'sig' }, { type: 'tool_use', id: 't1', name: 'get_weather', input: { city: 'Paris' } }] },
      user([{ type: 'tool_result', tool_use_id: 't1', content: 'clear' }]),
    ],
    tools: [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }],
    tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true },
    stop_sequences: ['END'],
    temperature: 0.5,
    metadata: { user_id: 'u1' },
  }),
];

const EMBEDDINGS_PROBES: Probe[] = [
  probe('input a number', { input: 42 }),
  probe('input empty array', { input: [] }),
  probe('input missing', {}),
  probe('input an object', { input: { text: 'x' } }),
  probe('token array input', { input: [1, 2, 3] }),
  probe('batch of token arrays', { input: [[1, 2, 3]] }),
  probe('batch of two strings', { input: ['a', 'b'] }),
  probe('mixed array', { input: ['a', 42] }),
  probe('messages instead of input', { messages: [user('hi')] }),
  probe('encoding_format unknown', { input: 'hi', encoding_format: 'hex' }),
  probe('dimensions a string', { input: 'hi', dimensions: 'big' }),
  probe('rich valid request', { input: ['hello'], encoding_format: 'base64', dimensions: 256, user: 'u1' }),
  // Upstream aigw's extension for Vertex AI's task types: other backends must refuse or pass it.
  probe('{content, task_type, title} inputs', { input: [{ content: 'hello', task_type: 'RETRIEVAL_DOCUMENT', title: 'Greeting' }] }),
  probe('{content} input with an unknown field', { input: { content: 'hello', mood: 'sunny' } }),
];

const TOKENIZE_PROBES: Probe[] = [
  probe('prompt and messages', { prompt: 'hi', messages: [user('hi')] }),
  probe('neither prompt nor messages', {}),
  probe('prompt a number', { prompt: 42 }),
  probe('token prompt', { prompt: [1, 2, 3] }),
  probe('messages not an array', { messages: 'hi' }),
  probe('messages: [42]', { messages: [42] }),
  probe('continue_final_message with the default add_generation_prompt', { messages: [user('hi'), { role: 'assistant', content: 'Hel' }], continue_final_message: true }),
  probe('tools: [42]', { messages: [user('hi')], tools: [42] }),
  probe('rich valid chat', {
    messages: [
      { role: 'system', content: 'Be brief.' },
      user([{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url: PNG } }]),
      { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      { role: 'tool', tool_call_id: 'c1', content: '{"sky":"clear"}' },
    ],
    tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }],
    add_generation_prompt: false,
    continue_final_message: true,
    add_special_tokens: false,
    return_token_strs: true,
    chat_template_kwargs: { enable_thinking: false },
    media_resolution: 'MEDIA_RESOLUTION_LOW',
  }),
];

/** Probes per endpoint. Pass-through endpoints get a few too: they must accept them. */
export const PROBES: Readonly<Record<TranslatedEndpointName, readonly Probe[]>> = {
  'chat-completions': CHAT_PROBES,
  completions: [probe('prompt a number', { prompt: 42 }), probe('prompt missing', {}), probe('token prompt', { prompt: [[1, 2]] })],
  embeddings: EMBEDDINGS_PROBES,
  responses: [probe('input a number', { input: 42 }), probe('input missing', {}), probe('tools garbage', { input: 'hi', tools: 'x' })],
  'responses-input-tokens': [probe('input a number', { input: 42 }), probe('input missing', {}), probe('instructions and tools', { input: 'hi', instructions: 'Be brief.', tools: [] })],
  'images-generations': [probe('prompt a number', { prompt: 42 }), probe('n garbage', { prompt: 'x', n: 'many' })],
  'audio-transcriptions': [probe('response_format text', { response_format: 'text' }), probe('timestamps', { 'timestamp_granularities[]': 'word' })],
  'audio-translations': [probe('temperature', { temperature: '0.2' })],
  'audio-speech': [probe('input a number', { input: 42, voice: 'alloy' }), probe('sse stream format', { input: 'hi', voice: 'alloy', stream_format: 'sse' })],
  messages: MESSAGES_PROBES,
  'count-tokens': [probe('messages not an array', { messages: 'hi' }), probe('messages: [42]', { messages: [42] }), probe('tools: [42]', { messages: [user('hi')], tools: [42] })],
  rerank: [probe('query a number', { query: 42, documents: ['a'] }), probe('documents not an array', { query: 'q', documents: 'a' }), probe('documents missing', { query: 'q' })],
  tokenize: TOKENIZE_PROBES,
};
