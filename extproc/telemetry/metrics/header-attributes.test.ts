import assert from 'node:assert/strict';
import { test } from 'node:test';
import { headersMessage, testFilterConfig } from '../../../test/support/test-runtime.js';
import { createLogger } from '../../../common/logger.js';
import { RouterProcessor } from '../../request/router-processor.js';
import { buildRuntimeConfig } from '../../server/runtime-config.js';
import { GenAIMetrics } from './genai-metrics.js';
import { logHeaderAttributes, metricsHeaderAttributes, parseHeaderAttributes, spanHeaderAttributes } from './header-attributes.js';

test('parses header:attribute pairs; the metrics variable extends and overrides the shared one', () => {
  assert.deepEqual(parseHeaderAttributes('X-Team-Id:team.id, x-user:user.id', 'V'), [
    { header: 'x-team-id', attribute: 'team.id', label: 'team_id' },
    { header: 'x-user', attribute: 'user.id', label: 'user_id' },
  ]);
  assert.deepEqual(parseHeaderAttributes('', 'V'), []);
  assert.throws(() => parseHeaderAttributes('x-team-id', 'OTEL_AIGW_METRICS_REQUEST_HEADER_ATTRIBUTES'), /OTEL_AIGW_METRICS_REQUEST_HEADER_ATTRIBUTES: "x-team-id" is not header:attribute/);
  const merged = metricsHeaderAttributes({ OTEL_AIGW_REQUEST_HEADER_ATTRIBUTES: 'x-a:a,x-b:b', OTEL_AIGW_METRICS_REQUEST_HEADER_ATTRIBUTES: 'x-b:bee' });
  assert.deepEqual(merged.map((mapping) => `${mapping.header}=${mapping.label}`), ['x-a=a', 'x-b=bee']);
});

test('mapped request headers become labels on every GenAI metric', async () => {
  const mappings = parseHeaderAttributes('x-team-id:team.id', 'V');
  const metrics = new GenAIMetrics(mappings);
  const runtime = buildRuntimeConfig(testFilterConfig(), metrics, createLogger('error', () => undefined), { metricHeaders: mappings });
  const router = new RouterProcessor(runtime);
  router.requestHeaders(headersMessage({ ':path': '/v1/chat/completions', 'x-team-id': 'blue' }));
  await router.requestBody({ body: Buffer.from('{"model":"gpt-4o-mini"}'), end_of_stream: true });
  router.responseHeaders(headersMessage({ ':status': '200', 'content-type': 'application/json' }));
  await router.responseBody({ body: Buffer.from('{"usage":{"prompt_tokens":3,"completion_tokens":1}}'), end_of_stream: true });
  const text = await metrics.registry.metrics();
  assert.match(text, /gen_ai_client_token_usage_sum\{[^}]*team_id="blue"[^}]*gen_ai_token_type="input"\} 3/);
  assert.match(text, /gen_ai_server_request_duration_seconds_count\{[^}]*team_id="blue"/);
});

test('span and log mappings default to agent-session-id:session.id; an explicit empty value disables the default', () => {
  for (const [resolve, variable] of [[spanHeaderAttributes, 'OTEL_AIGW_SPAN_REQUEST_HEADER_ATTRIBUTES'], [logHeaderAttributes, 'OTEL_AIGW_LOG_REQUEST_HEADER_ATTRIBUTES']] as const) {
    const pairs = (env: Record<string, string>): string[] => resolve(env).map((mapping) => `${mapping.header}=${mapping.attribute}`);
    assert.deepEqual(pairs({}), ['agent-session-id=session.id']);
    assert.deepEqual(pairs({ [variable]: '' }), []);
    assert.deepEqual(pairs({ [variable]: 'x-user:user.id' }), ['x-user=user.id']);
    assert.deepEqual(pairs({ OTEL_AIGW_REQUEST_HEADER_ATTRIBUTES: 'x-team:team.id' }), ['x-team=team.id', 'agent-session-id=session.id']);
    // The metrics mapping has no default.
    assert.deepEqual(metricsHeaderAttributes({}), []);
  }
});
