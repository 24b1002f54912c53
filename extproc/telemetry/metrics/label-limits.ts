/**
 * Bounds on metric labels whose values a client (or a provider) chooses: model names, values of
 * header-mapped labels, MCP method and tool names. Every distinct value is a new series in
 * Prometheus and in the OTLP exporter, kept until the process exits; without a bound, a client
 * that sends 10,000 made-up model names makes `/metrics` hundreds of MB and the ext_proc keeps
 * that memory for good.
 */
import { AigwError } from '../../../common/errors.js';

export interface LabelLimits {
  /** Distinct values one label takes besides the configured ones; later values record as OVERFLOW_LABEL_VALUE. */
  maxValues: number;
  /**
   * Distinct label combinations of one GenAI metric (the per-label cap alone would still let
   * 100 models times 100 header values make 10,000 series); past it, a new combination records
   * its non-configured values as OVERFLOW_LABEL_VALUE.
   */
  maxLabelSets: number;
  /** Characters kept of a longer value (configured names are never cut). */
  maxLength: number;
}

/**
 * 100 values per label: configured model names do not count, so only routes that take any model
 * (a RegularExpression match), providers that rename models and header-mapped labels come near
 * it; 5,000 made-up model names (and team ids) then make under 2 MB of `/metrics`. 200 label
 * combinations: about 3 MB at most for plain requests, about 20 MB in the worst case (streams,
 * every token type, errors, and 128-character values everywhere). 128 characters: a Bedrock ARN
 * or a Vertex AI model path fits.
 */
export const DEFAULT_LABEL_LIMITS: Readonly<LabelLimits> = { maxValues: 100, maxLabelSets: 200, maxLength: 128 };

/**
 * What a value past the cap records as: the OpenTelemetry semantic conventions' catch-all for
 * values the instrumentation does not know (as `http.request.method` and `error.type` use it).
 */
export const OVERFLOW_LABEL_VALUE = '_OTHER';

export const MAX_LABEL_VALUES_VARIABLE = 'AIGW_METRICS_MAX_LABEL_VALUES';
export const MAX_LABEL_SETS_VARIABLE = 'AIGW_METRICS_MAX_LABEL_SETS';

/**
 * Reads AIGW_METRICS_MAX_LABEL_VALUES and AIGW_METRICS_MAX_LABEL_SETS (non-negative integers;
 * 0 keeps configured values only). Invalid values are errors, not defaults: a typo must not
 * silently lift the bound.
 */
export function labelLimitsFromEnv(env: Readonly<Record<string, string | undefined>>): LabelLimits {
  return {
    maxValues: count(env, MAX_LABEL_VALUES_VARIABLE) ?? DEFAULT_LABEL_LIMITS.maxValues,
    maxLabelSets: count(env, MAX_LABEL_SETS_VARIABLE) ?? DEFAULT_LABEL_LIMITS.maxLabelSets,
    maxLength: DEFAULT_LABEL_LIMITS.maxLength,
  };
}

function count(env: Readonly<Record<string, string | undefined>>, variable: string): number | undefined {
  const raw = env[variable]?.trim();
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value)) throw new AigwError('ENV', `${variable} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return value;
}
