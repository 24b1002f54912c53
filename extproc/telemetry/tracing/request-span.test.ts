/**
 * Unit tests: RequestSpan drives the right recorder per endpoint and convention — what it hands
 * each one (multipart uploads without their bytes, binary responses by size, SSE events parsed),
 * and which spans exist at all.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Attributes, AttributeValue, Link, Span, SpanContext, SpanStatus, TimeInput } from '@opentelemetry/api';
import { DEFAULT_OPENINFERENCE_CONFIG } from './open-inference-config.js';
import type { RequestTracer, SemanticConvention } from './request-tracer.js';
import { RequestSpan } from './request-span.js';
import type { SpanAttributes } from './span-attributes.js';

/** A span that remembers what was recorded on it. */
class RecordingSpan implements Span {
  readonly attributes: Record<string, AttributeValue | undefined> = {};
  readonly events: string[] = [];
  status: SpanStatus | undefined;
  ended = false;
  constructor(readonly name: string, readonly kind: string) {}
  spanContext(): SpanContext {
    return { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 };
  }
  setAttribute(key: string, value: AttributeValue): this {
    this.attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes): this {
    Object.assign(this.attributes, attributes);
    return this;
  }
  addEvent(name: string): this {
    this.events.push(name);
    return this;
  }
  addLink(link: Link): this {
    void link;
    return this;
  }
  addLinks(links: Link[]): this {
    void links;
    return this;
  }
  setStatus(status: SpanStatus): this {
    this.status = status;
    return this;
  }
  updateName(name: string): this {
    void name;
    return this;
  }
  end(endTime?: TimeInput): void {
    void endTime;
    this.ended = true;
  }
  isRecording(): boolean {
    return !this.ended;
  }
  recordException(): void {}
}

function fakeTracer(semconv: SemanticConvention = 'openinference', captureContent = false): RequestTracer & { spans: RecordingSpan[] } {
  const spans: RecordingSpan[] = [];
  return {
    semconv,
    captureContent,
    openInference: DEFAULT_OPENINFERENCE_CONFIG,
    spans,
    start(name: string, kind: 'INTERNAL' | 'CLIENT', _headers: Partial<Record<string, string>>, attributes: SpanAttributes) {
      const span = new RecordingSpan(name, kind);
      spans.push(span);
      for (const [key, value] of attributes) span.setAttribute(key, value);
      return { span, inject: [['traceparent', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01']] };
    },
    shutdown: () => Promise.resolve(),
  };
}

test('image generation through RequestSpan: an ImagesResponse span ended OK with the response', () => {
  const tracer = fakeTracer();
  const raw = '{"model":"dall-e-3","prompt":"a cat"}';
  const span = RequestSpan.start(tracer, 'images-generations', {}, { json: JSON.parse(raw) as Record<string, unknown>, raw }, [['team.id', 'blue']]);
  assert.ok(span);
  span.responseChunk(Buffer.from('{"created":1,"data":[{"url":"https://img/1.png"}]}'), false);
  span.endSuccess();
  const [recorded] = tracer.spans;
  assert.ok(recorded);
  assert.equal(recorded.name, 'ImagesResponse');
  assert.equal(recorded.attributes['team.id'], 'blue');
  assert.equal(recorded.attributes['output.value'], '{"created":1,"data":[{"url":"https://img/1.png"}]}');
  assert.equal(recorded.status?.code, 1);
  assert.ok(recorded.ended);
});

test('a transcription: the upload by name and size; an SSE transcript stream folded into text', () => {
  const tracer = fakeTracer();
  const span = RequestSpan.start(tracer, 'audio-transcriptions', {}, { json: { model: 'gpt-4o-transcribe', stream: 'true' }, raw: '', file: { name: 'a.wav', size: 44 } }, []);
  assert.ok(span);
  span.responseChunk(Buffer.from('data: {"type":"transcript.text.delta","delta":"Hel"}\n\ndata: {"type":"transcript.text.del'), true);
  span.responseChunk(Buffer.from('ta","delta":"lo"}\n\ndata: {"type":"transcript.text.done","text":"Hello."}\n\n'), true);
  span.endSuccess();
  const [recorded] = tracer.spans;
  assert.equal(recorded?.name, 'Transcription');
  assert.equal(recorded?.attributes['input.value'], '{"model":"gpt-4o-transcribe","file_name":"a.wav","file_size":44,"language":"","response_format":""}');
  assert.equal(recorded?.attributes['output.value'], 'Hello.');
  assert.equal(recorded?.status, undefined, 'a stream leaves the status unset, as upstream');
});

test('speech: a binary answer is measured, not parsed; an error ends the span with an exception', () => {
  const tracer = fakeTracer();
  const speech = RequestSpan.start(tracer, 'audio-speech', {}, { json: { model: 'tts-1', input: 'hi', voice: 'alloy' }, raw: '{"model":"tts-1","input":"hi","voice":"alloy"}' }, []);
  assert.ok(speech);
  speech.responseChunk(Buffer.from([0xff, 0xfb, 0x90, 0x00]), false);
  speech.responseChunk(Buffer.from([0x01, 0x02]), false);
  speech.endSuccess();
  assert.equal(tracer.spans[0]?.attributes['output.audio_bytes'], 6);
  const streamed = RequestSpan.start(tracer, 'audio-speech', {}, { json: { model: 'tts-1', stream_format: 'sse' }, raw: '{}' }, []);
  streamed?.responseChunk(Buffer.from('data: {"type":"speech.audio.delta","audio":"AAAA"}\n\n'), true);
  streamed?.endSuccess();
  assert.equal(tracer.spans[1]?.attributes['output.audio_bytes'], undefined, 'a speech stream records nothing');
  assert.equal(tracer.spans[1]?.status, undefined);
  assert.ok(tracer.spans[1]?.ended);
  const failed = RequestSpan.start(tracer, 'rerank', {}, { json: { model: 'rerank-v3.5', query: 'q', documents: [] }, raw: '{}' }, []);
  failed?.endError(429, '{"message":"slow down"}');
  assert.equal(tracer.spans[2]?.name, 'Rerank');
  assert.deepEqual(tracer.spans[2]?.events, ['exception']);
  assert.equal(tracer.spans[2]?.status?.code, 2);
});

test('every endpoint that reaches a backend has a span, in both conventions; the model lists have none', () => {
  const endpoints = ['chat-completions', 'completions', 'embeddings', 'responses', 'images-generations', 'audio-speech', 'audio-transcriptions', 'audio-translations', 'messages', 'count-tokens', 'rerank'] as const;
  const names: Record<string, string[]> = {};
  for (const semconv of ['openinference', 'gen_ai'] as const) {
    const tracer = fakeTracer(semconv);
    for (const endpoint of endpoints) assert.ok(RequestSpan.start(tracer, endpoint, {}, { json: { model: 'm' }, raw: '{"model":"m"}' }, []), `${semconv} ${endpoint}`);
    names[semconv] = tracer.spans.map((span) => span.name);
    assert.equal(RequestSpan.start(tracer, 'models', {}, { json: {}, raw: '' }, []), undefined);
    assert.equal(RequestSpan.start(tracer, 'anthropic-models', {}, { json: {}, raw: '' }, []), undefined);
  }
  assert.deepEqual(names.openinference, ['ChatCompletion', 'Completion', 'CreateEmbeddings', 'Responses', 'ImagesResponse', 'AudioSpeech', 'Transcription', 'Translation', 'Message', 'CountTokens', 'Rerank']);
  assert.deepEqual(names.gen_ai, ['chat m', 'text_completion m', 'embeddings m', 'chat m', 'image_generation m', 'speech m', 'transcription m', 'translation m', 'chat m', 'tokenize m', 'rerank m']);
});

test('GenAI: Anthropic messages (streamed) and Responses record identity and usage; images only the operation and model', () => {
  const tracer = fakeTracer('gen_ai');
  const messages = RequestSpan.start(tracer, 'messages', {}, { json: { model: 'claude', max_tokens: 64, stop_sequences: ['END'] }, raw: '' }, []);
  assert.ok(messages);
  messages.backend('Anthropic');
  const events = [
    'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","role":"assistant","model":"claude-x","content":[],"usage":{"input_tokens":5,"cache_read_input_tokens":2,"output_tokens":1}}}\n\n',
    'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":7}}\n\n',
  ];
  for (const event of events) messages.responseChunk(Buffer.from(event), true);
  messages.endSuccess();
  assert.deepEqual(tracer.spans[0]?.attributes, {
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'claude',
    'gen_ai.request.max_tokens': 64,
    'gen_ai.request.stop_sequences': ['END'],
    'gen_ai.provider.name': 'anthropic',
    'gen_ai.response.id': 'msg_1',
    'gen_ai.response.model': 'claude-x',
    'gen_ai.usage.input_tokens': 7,
    'gen_ai.usage.output_tokens': 7,
    'gen_ai.usage.cache_read.input_tokens': 2,
    'gen_ai.response.finish_reasons': ['end_turn'],
  });
  const responses = RequestSpan.start(tracer, 'responses', {}, { json: { model: 'gpt-4.1', max_output_tokens: 50 }, raw: '' }, []);
  responses?.responseChunk(Buffer.from('{"id":"resp_1","model":"gpt-4.1-2025","usage":{"input_tokens":3,"output_tokens":2,"output_tokens_details":{"reasoning_tokens":1}}}'), false);
  responses?.endSuccess();
  assert.deepEqual(tracer.spans[1]?.attributes, {
    'gen_ai.operation.name': 'chat',
    'gen_ai.request.model': 'gpt-4.1',
    'gen_ai.request.max_tokens': 50,
    'gen_ai.response.id': 'resp_1',
    'gen_ai.response.model': 'gpt-4.1-2025',
    'gen_ai.usage.input_tokens': 3,
    'gen_ai.usage.output_tokens': 2,
    'gen_ai.usage.reasoning.output_tokens': 1,
  });
  const image = RequestSpan.start(tracer, 'images-generations', {}, { json: { model: 'dall-e-3', prompt: 'secret' }, raw: '' }, []);
  image?.responseChunk(Buffer.from('{"created":1,"data":[]}'), false);
  image?.endSuccess();
  assert.equal(tracer.spans[2]?.kind, 'CLIENT');
  assert.deepEqual(tracer.spans[2]?.attributes, { 'gen_ai.operation.name': 'image_generation', 'gen_ai.request.model': 'dall-e-3' });
});
