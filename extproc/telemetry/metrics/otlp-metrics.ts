/**
 * OTLP export of the GenAI metrics, next to the always-on Prometheus endpoint, configured from
 * the standard variables as upstream does: on when OTEL_EXPORTER_OTLP_(METRICS_)ENDPOINT is set
 * and OTEL_METRICS_EXPORTER is not `none`/`prometheus`; `console` prints to stdout; never with
 * OTEL_SDK_DISABLED=true. OTEL_METRIC_EXPORT_INTERVAL sets the push period (ms).
 */
import type { Attributes, Histogram } from '@opentelemetry/api';
import { OTLPMetricExporter as GrpcExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';
import { OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { gatewayResource, otelSdkDisabled, otlpProtocol, type OtlpProtocol } from '../otel-env.js';
import { ConsoleMetricExporter, MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { BUCKETS, ERROR_TYPE_OTHER, forEachObservation, providerName, type Instrument, type MetricsExport } from './genai-metrics.js';
import type { HeaderAttribute } from './header-attributes.js';
import { AigwError } from '../../../common/errors.js';

type Env = Partial<Record<string, string>>;

const INSTRUMENTS: Record<Instrument, { name: string; unit: string; description: string }> = {
  tokenUsage: { name: 'gen_ai.client.token.usage', unit: '{token}', description: 'Number of tokens processed.' },
  requestDuration: { name: 'gen_ai.server.request.duration', unit: 's', description: 'Time spent on the generative AI request.' },
  timeToFirstToken: { name: 'gen_ai.server.time_to_first_token', unit: 's', description: 'Time to receive the first response chunk of a streaming request.' },
  timePerOutputToken: { name: 'gen_ai.server.time_per_output_token', unit: 's', description: 'Time per output token after the first, for streaming requests.' },
};

/** Returns undefined when OTLP/console export is off. @throws an ENV AigwError for a bad setting. */
export function createOtlpMetrics(env: Env, headerAttributes: readonly HeaderAttribute[]): MetricsExport | undefined {
  if (otelSdkDisabled(env)) return undefined;
  const exporterName = (env.OTEL_METRICS_EXPORTER ?? '').trim();
  const hasEndpoint = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT);
  let exporter: PushMetricExporter;
  if (exporterName === 'none' || exporterName === 'prometheus') return undefined;
  if (exporterName === 'console') exporter = new ConsoleMetricExporter();
  else if (exporterName === '' || exporterName === 'otlp') {
    if (!hasEndpoint) return undefined;
    exporter = METRIC_EXPORTERS[otlpProtocol(env, 'METRICS')]();
  } else {
    throw new AigwError('ENV', `OTEL_METRICS_EXPORTER must be otlp, console, prometheus or none, got ${JSON.stringify(exporterName)}`);
  }
  const interval = exportInterval(env);
  const provider = new MeterProvider({
    resource: gatewayResource(),
    readers: [new PeriodicExportingMetricReader({ exporter, ...(interval !== undefined ? { exportIntervalMillis: interval, exportTimeoutMillis: Math.min(interval, 30_000) } : {}) })],
  });
  const meter = provider.getMeter('envoyproxy/ai-gateway');
  const histogram = (instrument: Instrument): Histogram => {
    const { name, unit, description } = INSTRUMENTS[instrument];
    return meter.createHistogram(name, { unit, description, advice: { explicitBucketBoundaries: [...BUCKETS[instrument]] } });
  };
  const histograms: Record<Instrument, Histogram> = {
    tokenUsage: histogram('tokenUsage'),
    requestDuration: histogram('requestDuration'),
    timeToFirstToken: histogram('timeToFirstToken'),
    timePerOutputToken: histogram('timePerOutputToken'),
  };

  return {
    record(attributes, outcome) {
      const base: Attributes = {
        'gen_ai.operation.name': attributes.operation,
        'gen_ai.provider.name': providerName(attributes.schema),
        'gen_ai.original.model': attributes.originalModel,
        'gen_ai.request.model': attributes.requestModel,
        'gen_ai.response.model': attributes.responseModel,
      };
      for (const mapping of headerAttributes) base[mapping.attribute] = attributes.headerLabels[mapping.label] ?? '';
      forEachObservation(outcome, (instrument, value, tokenType) => {
        const extra: Attributes =
          instrument === 'tokenUsage' ? { 'gen_ai.token.type': tokenType ?? '' } : instrument === 'requestDuration' && !outcome.success ? { 'error.type': ERROR_TYPE_OTHER } : {};
        histograms[instrument].record(value, { ...base, ...extra });
      });
    },
    shutdown: () => provider.shutdown(),
  };
}

const METRIC_EXPORTERS: Record<OtlpProtocol, () => PushMetricExporter> = {
  grpc: () => new GrpcExporter(),
  'http/json': () => new JsonExporter(),
  'http/protobuf': () => new ProtoExporter(),
};

function exportInterval(env: Env): number | undefined {
  const raw = env.OTEL_METRIC_EXPORT_INTERVAL?.trim();
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new AigwError('ENV', `OTEL_METRIC_EXPORT_INTERVAL must be a positive integer (milliseconds), got ${JSON.stringify(raw)}`);
  return value;
}
