import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GenAIMetrics, type CompletionOutcome, type MetricsExport } from './genai-metrics.js';
import { parseHeaderAttributes } from './header-attributes.js';
import { DEFAULT_LABEL_LIMITS, OVERFLOW_LABEL_VALUE } from './label-limits.js';

const OK: CompletionOutcome = { durationSeconds: 0.1, success: true, usage: { inputTokens: 3, outputTokens: 2 } };

test('10,000 made-up model names and team ids: a bounded /metrics, configured names as themselves, long names cut', async () => {
  const metrics = new GenAIMetrics(parseHeaderAttributes('x-team-id:team.id', 'V'), undefined, { configuredModels: ['gpt-4o-mini'] });
  for (let i = 0; i < 10_000; i++) {
    const model = i % 10 === 0 ? `long-${i}-`.padEnd(1000, 'x') : `made-up-${i}`;
    metrics.recordCompletion({ operation: 'chat', schema: 'OpenAI', originalModel: model, requestModel: model, headerLabels: { team_id: `team-${i}` } }, OK);
  }
  metrics.recordCompletion({ operation: 'chat', schema: 'OpenAI', originalModel: 'gpt-4o-mini', requestModel: 'gpt-4o-mini', headerLabels: { team_id: 'red' } }, OK);
  const text = await metrics.registry.metrics();
  assert.ok(text.length < 2 * 1024 * 1024, `${text.length} bytes`);
  assert.match(text, /gen_ai_client_token_usage_sum\{[^}]*gen_ai_original_model="gpt-4o-mini",gen_ai_request_model="gpt-4o-mini",gen_ai_response_model="gpt-4o-mini",team_id="_OTHER",gen_ai_token_type="input"\} 3/);
  assert.match(text, new RegExp(`gen_ai_original_model="${'long-0-'.padEnd(DEFAULT_LABEL_LIMITS.maxLength, 'x')}"`));
  const models = new Set([...text.matchAll(/gen_ai_original_model="([^"]*)"/g)].map((match) => match[1]));
  assert.equal(models.size, DEFAULT_LABEL_LIMITS.maxValues + 2, 'the cap, the configured name and the overflow value');
  assert.ok(models.has(OVERFLOW_LABEL_VALUE));
  // Everything past the cap is one series.
  const count = new RegExp(`gen_ai_server_request_duration_seconds_count\\{[^}]*gen_ai_original_model="${OVERFLOW_LABEL_VALUE}"[^}]*team_id="${OVERFLOW_LABEL_VALUE}"[^}]*\\} (\\d+)`).exec(text);
  assert.equal(Number(count?.[1]), 10_000 - DEFAULT_LABEL_LIMITS.maxValues);
});

test('the OTLP export records the same bounded values as Prometheus', () => {
  const recorded: string[][] = [];
  const otlp: MetricsExport = {
    record: (attributes) => recorded.push([attributes.originalModel, attributes.requestModel, attributes.responseModel, attributes.headerLabels.team_id ?? '(none)']),
    shutdown: () => Promise.resolve(),
  };
  const metrics = new GenAIMetrics(parseHeaderAttributes('x-team-id:team.id', 'V'), otlp, { configuredModels: ['alias', 'real-model'], labelLimits: { maxValues: 1, maxLabelSets: 10, maxLength: 5 } });
  metrics.recordCompletion({ operation: 'chat', schema: 'OpenAI', originalModel: 'first-model', requestModel: 'first-model', responseModel: 'renamed-by-provider', headerLabels: {} }, OK);
  metrics.recordCompletion({ operation: 'chat', schema: 'OpenAI', originalModel: 'alias', requestModel: 'real-model', headerLabels: { team_id: 'blue' } }, OK);
  assert.deepEqual(recorded, [
    ['first', 'first', OVERFLOW_LABEL_VALUE, ''],
    ['alias', 'real-model', 'real-model', 'blue'],
  ]);
});
