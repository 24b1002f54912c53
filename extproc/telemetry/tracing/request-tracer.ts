/**
 * The ext_proc's OpenTelemetry tracer, configured from the standard OTEL_* variables the way
 * upstream Envoy AI Gateway does (`NewTracingFromEnv`): off unless an OTLP endpoint is set or
 * OTEL_TRACES_EXPORTER asks for an exporter; `console` exports synchronously, OTLP through a
 * batcher (OTEL_BSP_* apply). The SDK packages are used directly rather than
 * `@opentelemetry/sdk-node`, whose current releases need Node 22.15 (aigw supports Node 20).
 * Nothing is registered globally: the tracer and propagator are passed to each request.
 */
import { ROOT_CONTEXT, SpanKind, trace, type Context, type Span, type TextMapGetter, type TextMapPropagator, type TextMapSetter } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, TracerProvider, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace';
import { gatewayResource, otelSdkDisabled, otlpProtocol, type OtlpProtocol } from '../otel-env.js';
import { openInferenceCapturesMessages, openInferenceConfigFromEnv, type OpenInferenceConfig } from './open-inference-config.js';
import type { SpanAttributes } from './span-attributes.js';
import { AigwError } from '../../../common/errors.js';

type Env = Partial<Record<string, string>>;
type Headers = Partial<Record<string, string>>;

const HEADER_GETTER: TextMapGetter<Headers> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => carrier[key],
};
const HEADER_SETTER: TextMapSetter<[string, string][]> = {
  set: (carrier, key, value) => void carrier.push([key, value]),
};

export const TRACER_NAME = 'envoyproxy/ai-gateway';
// In its own module so the request path can name them without loading the OpenTelemetry SDK.
export { PROPAGATION_HEADERS } from './propagation-headers.js';

export type SemanticConvention = 'openinference' | 'gen_ai';

export interface RequestTracer {
  /** AI_GATEWAY_TRACING_SEMCONV: which attribute convention spans follow. */
  readonly semconv: SemanticConvention;
  readonly openInference: OpenInferenceConfig;
  /** GenAI convention: OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true records messages. */
  readonly captureContent: boolean;
  /**
   * Starts a span whose parent comes from the client's propagation headers, and returns the
   * headers that carry the new span to the upstream request.
   */
  start(name: string, kind: 'INTERNAL' | 'CLIENT', headers: Partial<Record<string, string>>, attributes: SpanAttributes): { span: Span; inject: [string, string][] };
  shutdown(): Promise<void>;
}

/** Returns undefined when tracing is off. @throws an ENV AigwError for a bad setting. */
export function createRequestTracer(env: Env = process.env): RequestTracer | undefined {
  const rawSemconv = (env.AI_GATEWAY_TRACING_SEMCONV ?? '').trim();
  if (rawSemconv !== '' && rawSemconv !== 'openinference' && rawSemconv !== 'gen_ai') {
    throw new AigwError('ENV', `AI_GATEWAY_TRACING_SEMCONV must be "openinference" or "gen_ai", got ${JSON.stringify(rawSemconv)}`);
  }
  const semconv: SemanticConvention = rawSemconv === 'gen_ai' ? 'gen_ai' : 'openinference';
  const captureContent = env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT?.trim().toLowerCase() === 'true';
  if (otelSdkDisabled(env)) return undefined;
  const exporterName = (env.OTEL_TRACES_EXPORTER ?? '').trim();
  const hasEndpoint = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
  if (exporterName === 'none' || (exporterName === '' && !hasEndpoint)) return undefined;

  let processor: SpanProcessor;
  if (exporterName === 'console') {
    processor = new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() });
  } else if (exporterName === '' || exporterName === 'otlp') {
    processor = new BatchSpanProcessor({ exporter: SPAN_EXPORTERS[otlpProtocol(env, 'TRACES')](), ...batchOptionsFromEnv(env) });
  } else {
    throw new AigwError('ENV', `OTEL_TRACES_EXPORTER must be otlp, console or none, got ${JSON.stringify(exporterName)}`);
  }

  const openInference = openInferenceConfigFromEnv(env);
  const provider = new TracerProvider({
    resource: gatewayResource(),
    spanProcessors: [processor],
    // Captured messages easily exceed the default 128 attributes (upstream lifts the limit too).
    ...(semconv === 'openinference' && openInferenceCapturesMessages(openInference) ? { spanLimits: { attributeCountLimit: Number.MAX_SAFE_INTEGER } } : {}),
  });
  const tracer = provider.getTracer(TRACER_NAME);
  const propagator: TextMapPropagator = new CompositePropagator({
    propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
  });

  return {
    semconv,
    openInference,
    captureContent,
    start(name, kind, headers, attributes) {
      const parent: Context = propagator.extract(ROOT_CONTEXT, headers, HEADER_GETTER);
      const span = tracer.startSpan(name, { kind: kind === 'CLIENT' ? SpanKind.CLIENT : SpanKind.INTERNAL }, parent);
      for (const [key, value] of attributes) span.setAttribute(key, value);
      const inject: [string, string][] = [];
      propagator.inject(trace.setSpan(parent, span), inject, HEADER_SETTER);
      return { span, inject };
    },
    shutdown: () => provider.shutdown(),
  };
}

const SPAN_EXPORTERS: Record<OtlpProtocol, () => SpanExporter> = {
  grpc: () => new GrpcExporter(),
  'http/json': () => new JsonExporter(),
  'http/protobuf': () => new ProtoExporter(),
};

/** OTEL_BSP_* (the SDK's batcher no longer reads the environment itself). */
function batchOptionsFromEnv(env: Env): { scheduledDelayMillis?: number; exportTimeoutMillis?: number; maxQueueSize?: number; maxExportBatchSize?: number } {
  const options: { scheduledDelayMillis?: number; exportTimeoutMillis?: number; maxQueueSize?: number; maxExportBatchSize?: number } = {};
  const read = (variable: string): number | undefined => {
    const raw = env[variable]?.trim();
    if (raw === undefined || raw === '') return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new AigwError('ENV', `${variable} must be a non-negative integer, got ${JSON.stringify(raw)}`);
    return value;
  };
  const delay = read('OTEL_BSP_SCHEDULE_DELAY');
  const timeout = read('OTEL_BSP_EXPORT_TIMEOUT');
  const queue = read('OTEL_BSP_MAX_QUEUE_SIZE');
  const batch = read('OTEL_BSP_MAX_EXPORT_BATCH_SIZE');
  if (delay !== undefined) options.scheduledDelayMillis = delay;
  if (timeout !== undefined) options.exportTimeoutMillis = timeout;
  if (queue !== undefined) options.maxQueueSize = queue;
  if (batch !== undefined) options.maxExportBatchSize = batch;
  return options;
}
