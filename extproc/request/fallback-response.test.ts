import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ROUTER_PROCESSING_MODE } from '../../contract/filter-config.js';
import { headersMessage, testRuntime } from '../../test/support/test-runtime.js';
import { FallbackResponse } from './fallback-response.js';

const STEP_ASIDE = { ...ROUTER_PROCESSING_MODE, response_body_mode: 'NONE' };

test('a stream never routed: an error for a non-OpenAI client is read, but only Envoy\'s upstream-failure reply is rewritten', async () => {
  const anthropic = FallbackResponse.unrouted(testRuntime(), 'anthropic');
  const headers = anthropic.responseHeaders(headersMessage({ ':status': '413', 'content-type': 'text/plain' }));
  assert.deepEqual(headers, { response_headers: { response: {} } });
  assert.deepEqual(await anthropic.responseBody({ body: Buffer.from('Payload Too Large'), end_of_stream: true }), { response_body: { response: {} } });

  const openai = FallbackResponse.unrouted(testRuntime(), 'openai');
  assert.deepEqual(openai.responseHeaders(headersMessage({ ':status': '413' })).mode_override, STEP_ASIDE, 'OpenAI clients already have the shape');
});

test('a fallback rule without a way to push a timer\'s error steps aside for a 2xx stream (the upstream filter translates it)', () => {
  const response = new FallbackResponse(testRuntime(), 'openai', {}, { name: 'default/r/rule/3', backend: 'default/openai/route/r/rule/0/ref/0', routedAt: 0 });
  assert.deepEqual(response.responseHeaders(headersMessage({ ':status': '200', 'content-type': 'text/event-stream' })).mode_override, STEP_ASIDE);
  response.close();
});
