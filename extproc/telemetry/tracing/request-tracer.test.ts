import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRequestTracer } from './request-tracer.js';
import { isAigwError } from '../../../common/errors.js';

test('tracing is off without an endpoint or exporter, with OTEL_TRACES_EXPORTER=none and with OTEL_SDK_DISABLED', () => {
  assert.equal(createRequestTracer({}), undefined);
  assert.equal(createRequestTracer({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_EXPORTER: 'none' }), undefined);
  assert.equal(createRequestTracer({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces', OTEL_SDK_DISABLED: 'true' }), undefined);
});

test('an endpoint (any protocol) or the console exporter turns tracing on', async () => {
  for (const env of [
    { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' },
    { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' },
    { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' },
    { OTEL_TRACES_EXPORTER: 'console' },
  ]) {
    const tracer = createRequestTracer(env);
    assert.ok(tracer, JSON.stringify(env));
    await tracer.shutdown();
  }
});

test('the new span joins the incoming traceparent and is injected for the upstream', async () => {
  const tracer = createRequestTracer({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9', OTEL_BSP_SCHEDULE_DELAY: '60000' });
  assert.ok(tracer);
  const traceId = '0af7651916cd43dd8448eb211c80319c';
  const { span, inject } = tracer.start('ChatCompletion', 'INTERNAL', { traceparent: `00-${traceId}-b7ad6b7169203331-01`, baggage: 'k=v' }, []);
  const context = span.spanContext();
  assert.equal(context.traceId, traceId);
  assert.deepEqual(Object.fromEntries(inject), { traceparent: `00-${traceId}-${context.spanId}-01`, baggage: 'k=v' });
  // Without a parent a new trace starts.
  const root = tracer.start('ChatCompletion', 'INTERNAL', {}, []);
  assert.notEqual(root.span.spanContext().traceId, traceId);
  await tracer.shutdown();
});

test('bad settings are explicit errors naming the variable', () => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ AI_GATEWAY_TRACING_SEMCONV: 'otel' }, /must be "openinference" or "gen_ai"/],
    [{ OTEL_TRACES_EXPORTER: 'zipkin' }, /OTEL_TRACES_EXPORTER must be otlp, console or none/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift' }, /OTEL_EXPORTER_OTLP_PROTOCOL must be/],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_BSP_SCHEDULE_DELAY: 'soon' }, /OTEL_BSP_SCHEDULE_DELAY must be a non-negative integer/],
  ];
  for (const [env, message] of cases) assert.throws(() => createRequestTracer(env), (error: unknown) => isAigwError(error, 'ENV') && message.test(error.message));
});
