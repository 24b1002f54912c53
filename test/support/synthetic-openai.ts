/**
 * OpenAI-shaped response bodies the fake upstream generates when no cassette or override
 * applies. Deterministic (fixed ids, content and vectors) so tests can assert exact values and
 * benchmarks move the same bytes every request.
 */

export interface SyntheticUsage {
  promptTokens: number;
  completionTokens: number;
  /** Defaults to promptTokens + completionTokens. */
  totalTokens?: number;
}

/** What the synthetic bodies need from a parsed request. */
export interface SyntheticRequest {
  model: string;
  includeUsage: boolean;
}

export interface SyntheticSettings {
  usage: SyntheticUsage;
  /** Reported as `model`; the request's model when undefined. */
  responseModel?: string;
  /** Content pieces of a streamed answer; their concatenation is the non-streamed answer. */
  contentChunks: string[];
  embeddingDimensions: number;
}

export const DEFAULT_CONTENT_CHUNKS = ['Hello', ' from', ' the', ' fake', ' upstream.'];

// A fixed timestamp keeps bodies byte-identical across runs.
const CREATED = 1_700_000_000;

export function chatCompletionBody(request: SyntheticRequest, settings: SyntheticSettings): string {
  return JSON.stringify({
    id: 'chatcmpl-fake',
    object: 'chat.completion',
    created: CREATED,
    model: settings.responseModel ?? request.model,
    choices: [{ index: 0, message: { role: 'assistant', content: settings.contentChunks.join(''), refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: usageJson(settings.usage),
    system_fingerprint: null,
  });
}

/** SSE events (each `data: ...\n\n`) of a streamed chat completion, ending with `[DONE]`. */
export function chatCompletionEvents(request: SyntheticRequest, settings: SyntheticSettings): string[] {
  const model = settings.responseModel ?? request.model;
  // With include_usage OpenAI sends `usage: null` on every chunk but the extra last one.
  const usageField = request.includeUsage ? { usage: null } : {};
  const chunk = (choices: unknown[]): string =>
    sse(JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: CREATED, model, system_fingerprint: null, choices, ...usageField }));
  const events = [chunk([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }])];
  for (const content of settings.contentChunks) events.push(chunk([{ index: 0, delta: { content }, logprobs: null, finish_reason: null }]));
  events.push(chunk([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]));
  if (request.includeUsage) {
    events.push(sse(JSON.stringify({ id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: CREATED, model, system_fingerprint: null, choices: [], usage: usageJson(settings.usage) })));
  }
  events.push(sse('[DONE]'));
  return events;
}

export function completionBody(request: SyntheticRequest, settings: SyntheticSettings): string {
  return JSON.stringify({
    id: 'cmpl-fake',
    object: 'text_completion',
    created: CREATED,
    model: settings.responseModel ?? request.model,
    choices: [{ text: settings.contentChunks.join(''), index: 0, logprobs: null, finish_reason: 'stop' }],
    usage: usageJson(settings.usage),
  });
}

/** SSE events of a streamed legacy completion, ending with `[DONE]`. */
export function completionEvents(request: SyntheticRequest, settings: SyntheticSettings): string[] {
  const model = settings.responseModel ?? request.model;
  const chunk = (choices: unknown[], usage?: unknown): string =>
    sse(JSON.stringify({ id: 'cmpl-fake', object: 'text_completion', created: CREATED, model, choices, ...(usage !== undefined ? { usage } : {}) }));
  const events = settings.contentChunks.map((text) => chunk([{ text, index: 0, logprobs: null, finish_reason: null }]));
  events.push(chunk([{ text: '', index: 0, logprobs: null, finish_reason: 'stop' }]));
  if (request.includeUsage) events.push(chunk([], usageJson(settings.usage)));
  events.push(sse('[DONE]'));
  return events;
}

/** One embedding per input item; base64 is little-endian float32 as OpenAI encodes it. */
export function embeddingsBody(request: SyntheticRequest & { inputCount: number; dimensions?: number; base64: boolean }, settings: SyntheticSettings): string {
  const dimensions = request.dimensions ?? settings.embeddingDimensions;
  const data = Array.from({ length: request.inputCount }, (_, index) => {
    const vector = Array.from({ length: dimensions }, (_, i) => Math.round(Math.sin(index * 31 + i + 1) * 1e6) / 1e6);
    return { object: 'embedding', index, embedding: request.base64 ? float32Base64(vector) : vector };
  });
  const { promptTokens } = settings.usage;
  return JSON.stringify({ object: 'list', data, model: settings.responseModel ?? request.model, usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } });
}

/** OpenAI's error envelope. */
export function errorBody(message: string, type = 'invalid_request_error', code: string | null = null): string {
  return JSON.stringify({ error: { message, type, param: null, code } });
}

function usageJson(usage: SyntheticUsage): Record<string, number> {
  return {
    prompt_tokens: usage.promptTokens,
    completion_tokens: usage.completionTokens,
    total_tokens: usage.totalTokens ?? usage.promptTokens + usage.completionTokens,
  };
}

function sse(data: string): string {
  return `data: ${data}\n\n`;
}

function float32Base64(vector: number[]): string {
  const buffer = Buffer.alloc(vector.length * 4);
  vector.forEach((value, i) => buffer.writeFloatLE(value, i * 4));
  return buffer.toString('base64');
}
