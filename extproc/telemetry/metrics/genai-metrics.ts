import { Histogram, Registry } from 'prom-client';
import type { SchemaName } from '../../../contract/filter-config.js';
import { PROVIDERS } from '../../../providers/providers.js';
import type { TokenUsage } from '../../usage/token-usage.js';
import { GenAILabelBounds, type BoundedAttributes } from './genai-label-bounds.js';
import type { HeaderAttribute } from './header-attributes.js';
import { DEFAULT_LABEL_LIMITS, type LabelLimits } from './label-limits.js';

/**
 * The OpenTelemetry GenAI metrics, exposed under the names the OTel Prometheus exporter gives
 * them upstream (dashboards built for Envoy AI Gateway work unchanged). One implementation for
 * every endpoint, parametrised by the GenAI operation name.
 */

const SCOPE = 'envoyproxy/ai-gateway';

/** Histogram bucket boundaries of the OpenTelemetry GenAI semantic conventions. */
export const BUCKETS: Record<Instrument, readonly number[]> = {
  tokenUsage: [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864],
  requestDuration: [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92],
  timeToFirstToken: [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10, 15, 20, 30, 45, 60],
  timePerOutputToken: [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5],
};

const BASE_LABELS = [
  'otel_scope_name',
  'gen_ai_operation_name',
  'gen_ai_provider_name',
  'gen_ai_original_model',
  'gen_ai_request_model',
  'gen_ai_response_model',
] as const;

export interface RequestAttributes {
  /** Values of the header-mapped labels, by label (see metricsHeaderAttributes). */
  headerLabels?: Record<string, string>;
  operation: string;
  schema: SchemaName;
  originalModel: string;
  requestModel: string;
  responseModel?: string;
}

export class GenAIMetrics {
  readonly registry = new Registry();
  private readonly tokenUsage: Histogram;
  private readonly requestDuration: Histogram;
  private readonly timeToFirstToken: Histogram;
  private readonly timePerOutputToken: Histogram;

  /**
   * Bound children by label values. prom-client hashes a label object (sorting its keys) on every
   * observe; the label sets here repeat, so the lookup is done once per combination.
   */
  private readonly children = new Map<Histogram, Map<string, Child>>();

  /** `labelSet` is the key of `labels` (GenAILabelBounds), so no key is built from the labels again. */
  private child(histogram: Histogram, labelSet: string, labels: Record<string, string>, extraName?: string, extraValue?: string): Child {
    let byKey = this.children.get(histogram);
    if (!byKey) {
      byKey = new Map();
      this.children.set(histogram, byKey);
    }
    const key = extraName === undefined ? labelSet : `${labelSet}\u0000${extraValue ?? ''}`;
    let child = byKey.get(key);
    if (!child) {
      child = histogram.labels(extraName === undefined ? labels : { ...labels, [extraName]: extraValue ?? '' });
      byKey.set(key, child);
    }
    return child;
  }

  /** Label names of the header-mapped attributes, fixed at start-up. */
  readonly headerLabels: readonly string[];
  private readonly bounds: GenAILabelBounds;

  constructor(
    headerAttributes: readonly HeaderAttribute[] = [],
    /** Set when OTLP metric export is on: it receives every observation too (bounded as Prometheus is). */
    private readonly otlp?: MetricsExport,
    options: GenAIMetricsOptions = {},
  ) {
    this.headerLabels = headerAttributes.map((mapping) => mapping.label);
    this.bounds = new GenAILabelBounds(this.headerLabels, options.configuredModels ?? [], options.labelLimits ?? DEFAULT_LABEL_LIMITS);
    const base = [...BASE_LABELS, ...this.headerLabels];
    this.tokenUsage = new Histogram({
      name: 'gen_ai_client_token_usage',
      help: 'Number of tokens processed.',
      labelNames: [...base, 'gen_ai_token_type'],
      buckets: [...BUCKETS.tokenUsage],
      registers: [this.registry],
    });
    this.requestDuration = new Histogram({
      name: 'gen_ai_server_request_duration_seconds',
      help: 'Time spent on the generative AI request, from the upstream request to the last response byte.',
      labelNames: [...base, 'error_type'],
      buckets: [...BUCKETS.requestDuration],
      registers: [this.registry],
    });
    this.timeToFirstToken = new Histogram({
      name: 'gen_ai_server_time_to_first_token_seconds',
      help: 'Time to receive the first response chunk of a streaming request.',
      labelNames: base,
      buckets: [...BUCKETS.timeToFirstToken],
      registers: [this.registry],
    });
    this.timePerOutputToken = new Histogram({
      name: 'gen_ai_server_time_per_output_token_seconds',
      help: 'Time per output token after the first, for streaming requests.',
      labelNames: base,
      buckets: [...BUCKETS.timePerOutputToken],
      registers: [this.registry],
    });
  }

  /** Model names a reloaded configuration knows: always label values of their own from now on. */
  configureModels(names: Iterable<string>): void {
    this.bounds.configureModels(names);
  }

  /** Records a finished request. Durations are in seconds; ttft only for streams. */
  recordCompletion(attributes: RequestAttributes, outcome: CompletionOutcome): void {
    const { attributes: bounded, key } = this.bounds.bound(attributes);
    const labels: Record<string, string> = baseLabels(bounded);
    for (const label of this.headerLabels) labels[label] = bounded.headerLabels[label] ?? '';
    const errorType = outcome.success ? '' : ERROR_TYPE_OTHER;
    forEachObservation(outcome, (instrument, value, tokenType) => {
      switch (instrument) {
        case 'requestDuration': this.child(this.requestDuration, key, labels, 'error_type', errorType).observe(value); break;
        case 'tokenUsage': this.child(this.tokenUsage, key, labels, 'gen_ai_token_type', tokenType).observe(value); break;
        case 'timeToFirstToken': this.child(this.timeToFirstToken, key, labels).observe(value); break;
        case 'timePerOutputToken': this.child(this.timePerOutputToken, key, labels).observe(value); break;
      }
    });
    this.otlp?.record(bounded, outcome);
  }

  /** Flushes and stops the OTLP export, if any. */
  async shutdown(): Promise<void> {
    await this.otlp?.shutdown();
  }
}

export const ERROR_TYPE_OTHER = '_OTHER';

export interface GenAIMetricsOptions {
  /** Model names that are always label values of their own (configuredModelNames). */
  configuredModels?: Iterable<string>;
  /** @default DEFAULT_LABEL_LIMITS */
  labelLimits?: LabelLimits;
}

export interface CompletionOutcome {
  durationSeconds: number;
  success: boolean;
  usage: TokenUsage;
  ttftSeconds?: number;
}

export type Instrument = 'tokenUsage' | 'requestDuration' | 'timeToFirstToken' | 'timePerOutputToken';

/** A second destination for the same observations (OTLP export). */
export interface MetricsExport {
  /** `attributes` are bounded already: the same values as the Prometheus labels. */
  record(attributes: BoundedAttributes['attributes'], outcome: CompletionOutcome): void;
  shutdown(): Promise<void>;
}

/**
 * What a finished request records, whatever the destination: the duration always; token
 * counts and streaming timings only on success, and only the counts that are known.
 */
export function forEachObservation(outcome: CompletionOutcome, observe: (instrument: Instrument, value: number, tokenType?: string) => void): void {
  observe('requestDuration', outcome.durationSeconds);
  if (!outcome.success) return;
  const usage = outcome.usage;
  // Unknown counts are not recorded at all: recording 0 would skew averages.
  if (usage.inputTokens !== undefined) observe('tokenUsage', usage.inputTokens, 'input');
  if (usage.cachedInputTokens !== undefined) observe('tokenUsage', usage.cachedInputTokens, 'cached_input');
  if (usage.cacheCreationInputTokens !== undefined) observe('tokenUsage', usage.cacheCreationInputTokens, 'cache_creation_input');
  if (usage.outputTokens !== undefined) observe('tokenUsage', usage.outputTokens, 'output');
  if (usage.reasoningTokens !== undefined) observe('tokenUsage', usage.reasoningTokens, 'reasoning');
  if (outcome.ttftSeconds !== undefined) {
    observe('timeToFirstToken', outcome.ttftSeconds);
    const output = usage.outputTokens;
    if (output !== undefined && output > 1) observe('timePerOutputToken', (outcome.durationSeconds - outcome.ttftSeconds) / (output - 1));
  }
}

/** The GenAI provider name per backend schema (gen_ai.provider.name). */
export function providerName(schema: SchemaName): string {
  return PROVIDERS[schema].otelName;
}

type Child = ReturnType<Histogram['labels']>;

function baseLabels(attributes: BoundedAttributes['attributes']): Record<(typeof BASE_LABELS)[number], string> {
  return {
    otel_scope_name: SCOPE,
    gen_ai_operation_name: attributes.operation,
    gen_ai_provider_name: providerName(attributes.schema),
    gen_ai_original_model: attributes.originalModel,
    gen_ai_request_model: attributes.requestModel,
    gen_ai_response_model: attributes.responseModel,
  };
}
