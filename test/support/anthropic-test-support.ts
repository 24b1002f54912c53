import assert from 'node:assert/strict';
import { findEndpoint } from '../../extproc/request/endpoints.js';
import type { SchemaName } from '../../contract/filter-config.js';
import { isRecord, type JsonRecord } from '../../common/json-guards.js';
import { encodeAwsEvent } from '../../extproc/translator/aws-event-stream.js';
import type { ClientRequest, ResponseBodyTranslation, Translator, TranslatorContext } from '../../extproc/translator/translator.js';
import { parseSseEvents } from '../../common/sse/sse-reader.js';

/** Test helpers for the Anthropic-family translators (not a test file itself). */

export function context(path: string, schema: SchemaName, options: { model?: string; override?: string; version?: string; prefix?: string } = {}): TranslatorContext {
  const endpoint = findEndpoint(path);
  assert.ok(endpoint, path);
  const model = options.model ?? 'claude-sonnet-4-5';
  return {
    endpoint,
    backend: {
      name: 'default/b/route/r/rule/0/ref/0',
      route: 'default/r',
      aiServiceBackend: 'default/b',
      schema: { name: schema, ...(options.version !== undefined ? { version: options.version } : {}), ...(options.prefix !== undefined ? { prefix: options.prefix } : {}) },
      ...(options.override !== undefined ? { modelNameOverride: options.override } : {}),
    },
    originalModel: model,
    requestModel: options.override ?? model,
  };
}

export function client(json: JsonRecord, headers: Record<string, string> = {}): ClientRequest {
  return { raw: Buffer.from(JSON.stringify(json)), json, stream: json.stream === true, headers };
}

/** The translated request body, parsed. */
export function bodyOf(translator: Translator, request: ClientRequest): JsonRecord {
  const translated = translator.request(request);
  assert.ok(translated.body, 'expected a replacement body');
  const parsed: unknown = JSON.parse(translated.body.toString('utf8'));
  assert.ok(isRecord(parsed));
  return parsed;
}

/** An Anthropic SSE stream, `event:` lines included as Anthropic sends them. */
export function anthropicSse(events: JsonRecord[]): Buffer {
  return Buffer.from(events.map((event) => `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`).join(''));
}

/** The same events as Bedrock's InvokeModelWithResponseStream sends them. */
export function bedrockChunks(events: JsonRecord[]): Buffer {
  return Buffer.concat(events.map((event) => encodeAwsEvent('chunk', { bytes: Buffer.from(JSON.stringify(event)).toString('base64'), p: 'abc' })));
}

/** Feeds a response in pieces of `size` bytes; returns the joined output and the last result. */
export function feed(translator: Translator, bytes: Buffer, size: number): { text: string; last: ResponseBodyTranslation } {
  const pieces: Buffer[] = [];
  let last: ResponseBodyTranslation | undefined;
  for (let at = 0; at < bytes.length || last === undefined; at += size) {
    const end = Math.min(at + size, bytes.length);
    last = translator.responseBody(bytes.subarray(at, end), end >= bytes.length);
    if (last.body) pieces.push(last.body);
  }
  return { text: Buffer.concat(pieces).toString('utf8'), last };
}

/** SSE text as `{event, data}` pairs (`data` parsed unless `[DONE]`). */
export function parseSse(text: string): { event?: string; data: unknown }[] {
  return parseSseEvents(text).map(({ event, data }) => {
    const parsed: unknown = data === '[DONE]' ? data : JSON.parse(data);
    return { ...(event !== undefined ? { event } : {}), data: parsed };
  });
}

/** A typical streamed Anthropic message: thinking, text, then a tool call. */
export const STREAM_EVENTS: JsonRecord[] = [
  {
    type: 'message_start',
    message: {
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'claude-sonnet-4-5-20250929',
      content: [],
      stop_reason: null,
      usage: { input_tokens: 10, cache_read_input_tokens: 5, cache_creation_input_tokens: 0, output_tokens: 1 },
    },
  },
  { type: 'ping' },
  { type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: '', signature: '' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'thinking_delta', thinking: 'Let me think' } },
  { type: 'content_block_delta', index: 0, delta: { type: 'signature_delta', signature: 'sig==' } },
  { type: 'content_block_stop', index: 0 },
  { type: 'content_block_start', index: 1, content_block: { type: 'text', text: '' } },
  { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Héllo ' } },
  { type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'world' } },
  { type: 'content_block_stop', index: 1 },
  { type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: {} } },
  { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '' } },
  { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"city":' } },
  { type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '"Paris"}' } },
  { type: 'content_block_stop', index: 2 },
  { type: 'message_delta', delta: { stop_reason: 'tool_use', stop_sequence: null }, usage: { output_tokens: 42 } },
  { type: 'message_stop' },
];
