/** Unit tests: the OpenInference span of image generation (upstream ImageGenerationRecorder), fed upstream's cassette. */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { cassettePath, loadCassette } from '../../../test/support/cassette.js';
import { imageGenerationRequestAttributes } from './image-generation-request-attributes.js';
import { imageGenerationResponseAttributes } from './image-generation-response-attributes.js';
import { DEFAULT_OPENINFERENCE_CONFIG } from './open-inference-config.js';
import { OPENINFERENCE_RECORDERS } from './open-inference-recorders.js';
import { spanAttributesToRecord } from './span-attributes.js';

const CASSETTE = cassettePath('image-generation-basic');
const config = DEFAULT_OPENINFERENCE_CONFIG;

test('image generation: ImagesResponse span, body as input and invocation parameters, response re-serialized (upstream cassette)', { skip: existsSync(CASSETTE) ? false : 'fixtures not present' }, () => {
  const interaction = loadCassette(CASSETTE).interactions[0];
  assert.ok(interaction);
  const recorder = OPENINFERENCE_RECORDERS['images-generations'];
  assert.equal(recorder.name('gpt-image-1-mini'), 'ImagesResponse');
  assert.equal(recorder.kind, 'INTERNAL');
  const raw = interaction.request.body;
  const json: unknown = JSON.parse(raw);
  assert.ok(typeof json === 'object' && json !== null && !Array.isArray(json));
  assert.deepEqual(spanAttributesToRecord(imageGenerationRequestAttributes({ json: { ...json }, raw }, config)), {
    'openinference.span.kind': 'LLM',
    'llm.system': 'openai',
    'input.value': raw,
    'input.mime_type': 'application/json',
    'llm.invocation_parameters': raw,
  });
  const body = interaction.response.body;
  const parsed: unknown = JSON.parse(body);
  const outcome = imageGenerationResponseAttributes({ json: parsed, raw: body, byteLength: Buffer.byteLength(body) }, config);
  assert.deepEqual(spanAttributesToRecord(outcome.attributes), { 'output.mime_type': 'application/json', 'output.value': JSON.stringify(parsed) });
  assert.deepEqual(outcome.status, { code: 'OK' });
});

test('image generation: hidden inputs, parameters and outputs are redacted, and a 4xx is an exception event', () => {
  const raw = '{"model":"dall-e-3","prompt":"a secret cat"}';
  const hidden = { ...config, hideInputs: true, hideLlmInvocationParameters: true, hideOutputs: true };
  const a = spanAttributesToRecord(imageGenerationRequestAttributes({ json: { model: 'dall-e-3', prompt: 'a secret cat' }, raw }, hidden));
  assert.deepEqual(a, { 'openinference.span.kind': 'LLM', 'llm.system': 'openai', 'input.value': '__REDACTED__' });
  const response = '{"created":1,"data":[{"b64_json":"AAAA"}]}';
  assert.equal(spanAttributesToRecord(imageGenerationResponseAttributes({ json: JSON.parse(response), raw: response, byteLength: response.length }, hidden).attributes)['output.value'], '__REDACTED__');
  const error = OPENINFERENCE_RECORDERS['images-generations'].error(400, '{"error":{"message":"bad size"}}');
  assert.equal(error.status.code, 'ERROR');
  assert.equal(error.events[0]?.attributes.find(([key]) => key === 'exception.type')?.[1], 'BadRequestError');
});
