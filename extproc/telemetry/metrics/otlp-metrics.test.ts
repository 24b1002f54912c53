import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOtlpMetrics } from './otlp-metrics.js';
import { isAigwError } from '../../../common/errors.js';

test('OTLP metric export is off unless an endpoint or the console exporter is configured', async () => {
  assert.equal(createOtlpMetrics({}, []), undefined);
  assert.equal(createOtlpMetrics({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_METRICS_EXPORTER: 'none' }, []), undefined);
  assert.equal(createOtlpMetrics({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_METRICS_EXPORTER: 'prometheus' }, []), undefined);
  assert.equal(createOtlpMetrics({ OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://127.0.0.1:9', OTEL_SDK_DISABLED: 'true' }, []), undefined);
  for (const env of [
    { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
    { OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://127.0.0.1:9', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
    { OTEL_METRICS_EXPORTER: 'console', OTEL_METRIC_EXPORT_INTERVAL: '1000' },
  ]) {
    const exporter = createOtlpMetrics(env, []);
    assert.ok(exporter, JSON.stringify(env));
    await exporter.shutdown().catch(() => undefined);
  }
});

test('bad settings are explicit errors naming the variable', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ OTEL_METRICS_EXPORTER: 'statsd' }, /OTEL_METRICS_EXPORTER must be/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: 'udp' }, /OTEL_EXPORTER_OTLP_METRICS_PROTOCOL must be grpc, http\/protobuf or http\/json/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_METRIC_EXPORT_INTERVAL: '0' }, /OTEL_METRIC_EXPORT_INTERVAL must be a positive integer/],
  ];
  for (const [env, message] of cases) assert.throws(() => createOtlpMetrics(env, []), (error: unknown) => isAigwError(error, 'ENV') && message.test(error.message));
});
