/** Unit tests: OpenInference spans of the audio endpoints (transcription, translation, speech), fed upstream's cassettes where they exist. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { cassettePath, loadCassette } from '../../../test/support/cassette.js';
import { DEFAULT_OPENINFERENCE_CONFIG, type OpenInferenceConfig } from './open-inference-config.js';
import { OPENINFERENCE_RECORDERS } from './open-inference-recorders.js';
import { speechRequestAttributes } from './speech-request-attributes.js';
import { speechResponseAttributes } from './speech-response-attributes.js';
import { spanAttributesToRecord } from './span-attributes.js';
import type { SpanRequest, SpanResponse } from './span-recorder.js';
import { transcriptionRequestAttributes } from './transcription-request-attributes.js';
import { transcriptionResponseAttributes } from './transcription-response-attributes.js';
import { transcriptionStreamAttributes } from './transcription-stream-attributes.js';
import { translationRequestAttributes } from './translation-request-attributes.js';
import { translationResponseAttributes } from './translation-response-attributes.js';

const config = DEFAULT_OPENINFERENCE_CONFIG;
const hidden = (overrides: Partial<OpenInferenceConfig>): OpenInferenceConfig => ({ ...config, ...overrides });

function jsonResponse(body: unknown): SpanResponse {
  const raw = JSON.stringify(body);
  return { json: body, raw, byteLength: Buffer.byteLength(raw) };
}

function textResponse(raw: string): SpanResponse {
  return { json: undefined, raw, byteLength: Buffer.byteLength(raw) };
}

/** The recorded answer of an upstream cassette, when the fixtures are present. */
function cassetteResponse(name: string): SpanResponse | undefined {
  if (!existsSync(cassettePath(name))) return undefined;
  const raw = loadCassette(cassettePath(name)).interactions[0]?.response.body ?? '';
  return { json: JSON.parse(raw), raw, byteLength: Buffer.byteLength(raw) };
}

const upload: SpanRequest = { json: { model: 'whisper-1', language: 'en', response_format: 'json', prompt: 'p' }, raw: '', file: { name: 'speech.mp3', size: 1024 } };

describe('transcription', () => {
  test('names and kind: Transcription, INTERNAL', () => {
    const recorder = OPENINFERENCE_RECORDERS['audio-transcriptions'];
    assert.equal(recorder.name('whisper-1'), 'Transcription');
    assert.equal(recorder.kind, 'INTERNAL');
  });

  test('request: the form summarised (file name and size, never the audio), no invocation parameters', () => {
    assert.deepEqual(spanAttributesToRecord(transcriptionRequestAttributes(upload, config)), {
      'openinference.span.kind': 'LLM',
      'llm.system': 'openai',
      'llm.model_name': 'whisper-1',
      'input.value': '{"model":"whisper-1","file_name":"speech.mp3","file_size":1024,"language":"en","response_format":"json"}',
      'input.mime_type': 'application/json',
    });
    const redacted = spanAttributesToRecord(transcriptionRequestAttributes(upload, hidden({ hideInputs: true })));
    assert.equal(redacted['input.value'], '__REDACTED__');
    assert.equal(redacted['input.mime_type'], undefined);
  });

  test('response (upstream cassette): the transcript as text/plain output', { skip: cassetteResponse('audio-transcription-basic') ? false : 'fixtures not present' }, () => {
    const response = cassetteResponse('audio-transcription-basic');
    assert.ok(response);
    const outcome = transcriptionResponseAttributes(response, config);
    assert.deepEqual(spanAttributesToRecord(outcome.attributes), {
      'output.value': 'The sun rises in the east and sets in the west. This simple fact has been observed by humans for thousands of years.',
      'output.mime_type': 'text/plain',
    });
    assert.deepEqual(outcome.status, { code: 'OK' });
  });

  test('response: verbose_json adds duration and language; text formats are recorded as they came; outputs can be hidden', () => {
    assert.deepEqual(spanAttributesToRecord(transcriptionResponseAttributes(jsonResponse({ text: 'hola', language: 'spanish', duration: 2.5, segments: [] }), config).attributes), {
      'output.value': 'hola',
      'output.mime_type': 'text/plain',
      'output.audio_duration': 2.5,
      'output.language': 'spanish',
    });
    const srt = '1\n00:00:00,000 --> 00:00:01,000\nhello "world"\n';
    assert.equal(spanAttributesToRecord(transcriptionResponseAttributes(textResponse(srt), config).attributes)['output.value'], srt);
    const none = transcriptionResponseAttributes(jsonResponse({ text: 'secret' }), hidden({ hideOutputs: true }));
    assert.deepEqual(none.attributes, []);
    assert.deepEqual(none.status, { code: 'OK' });
  });

  test('stream: deltas joined, the done text wins; nothing when hidden or empty; status left unset', () => {
    const deltas = [{ type: 'transcript.text.delta', delta: 'Imagine ' }, { type: 'transcript.text.delta', delta: 'the idea.' }];
    assert.deepEqual(transcriptionStreamAttributes(deltas, config), {
      attributes: [['output.value', 'Imagine the idea.'], ['output.mime_type', 'text/plain']],
      events: [],
      status: { code: 'UNSET' },
    });
    const done = [...deltas, { type: 'transcript.text.done', text: 'Imagine the wildest idea.' }, { type: 'transcript.text.delta', delta: ' late' }];
    assert.equal(spanAttributesToRecord(transcriptionStreamAttributes(done, config).attributes)['output.value'], 'Imagine the wildest idea.');
    assert.deepEqual(transcriptionStreamAttributes(deltas, hidden({ hideOutputs: true })).attributes, []);
    assert.deepEqual(transcriptionStreamAttributes([{ type: 'transcript.text.delta', delta: '' }], config).attributes, []);
    assert.deepEqual(transcriptionStreamAttributes([], config).attributes, []);
  });
});

describe('translation', () => {
  test('name Translation; request without language; response text only (upstream cassette)', { skip: cassetteResponse('audio-translation-basic') ? false : 'fixtures not present' }, () => {
    assert.equal(OPENINFERENCE_RECORDERS['audio-translations'].name('whisper-1'), 'Translation');
    assert.equal(
      spanAttributesToRecord(translationRequestAttributes(upload, config))['input.value'],
      '{"model":"whisper-1","file_name":"speech.mp3","file_size":1024,"response_format":"json"}',
    );
    const response = cassetteResponse('audio-translation-basic');
    assert.ok(response);
    assert.deepEqual(spanAttributesToRecord(translationResponseAttributes(response, config).attributes), {
      'output.value': 'The sun rises in the east and sets in the west. This simple fact has been observed by humans for thousands of years.',
      'output.mime_type': 'text/plain',
    });
    assert.deepEqual(translationResponseAttributes(response, hidden({ hideOutputs: true })).attributes, []);
  });

  test('a form without a file or optional fields still records every key', () => {
    const bare: SpanRequest = { json: { model: 'whisper-1' }, raw: '' };
    assert.deepEqual(JSON.parse(String(spanAttributesToRecord(translationRequestAttributes(bare, config))['input.value'])), { model: 'whisper-1', file_name: '', file_size: 0, response_format: '' });
  });
});

describe('speech', () => {
  const body = { model: 'gpt-4o-mini-tts', input: 'Hello there', voice: 'alloy', response_format: 'mp3' };
  const request: SpanRequest = { json: body, raw: JSON.stringify(body) };

  test('name AudioSpeech; request: what is spoken as input.value, the body as invocation parameters', () => {
    assert.equal(OPENINFERENCE_RECORDERS['audio-speech'].name('tts-1'), 'AudioSpeech');
    const a = spanAttributesToRecord(speechRequestAttributes(request, config));
    assert.equal(a['llm.model_name'], 'gpt-4o-mini-tts');
    assert.deepEqual(JSON.parse(String(a['input.value'])), { input: 'Hello there', voice: 'alloy', response_format: 'mp3', speed: null, instructions: null });
    assert.equal(a['llm.invocation_parameters'], request.raw);
    const redacted = spanAttributesToRecord(speechRequestAttributes(request, hidden({ hideInputs: true, hideLlmInvocationParameters: true })));
    assert.equal(redacted['input.value'], '__REDACTED__');
    assert.equal(redacted['llm.invocation_parameters'], undefined);
  });

  test('response: the audio size, never the audio; a speech stream records nothing', () => {
    const audio: SpanResponse = { json: undefined, raw: '\u0000ID3', byteLength: 4096 };
    assert.deepEqual(speechResponseAttributes(audio, config), { attributes: [['output.mime_type', 'audio/mpeg'], ['output.audio_bytes', 4096]], events: [], status: { code: 'OK' } });
    assert.deepEqual(speechResponseAttributes(audio, hidden({ hideOutputs: true })).attributes, []);
    assert.ok(!('stream' in OPENINFERENCE_RECORDERS['audio-speech']), 'RequestSpan keeps nothing of a speech stream');
  });
});
