import { isRecord, optionalNumber, optionalString } from '../../common/json-guards.js';
import { explicitCachingUsage } from './explicit-caching-usage.js';
import type { TokenUsage } from './token-usage.js';

/** Anthropic's four raw counts, as the provider reported them (unset = not reported). */
export interface AnthropicCounts {
  input?: number;
  output?: number;
  cacheRead?: number;
  cacheWrite?: number;
}

/** The raw counts of one Anthropic `usage` object. */
export function anthropicCounts(usage: unknown): AnthropicCounts | undefined {
  if (!isRecord(usage)) return undefined;
  const counts: AnthropicCounts = {};
  const input = optionalNumber(usage.input_tokens);
  const output = optionalNumber(usage.output_tokens);
  const cacheRead = optionalNumber(usage.cache_read_input_tokens);
  const cacheWrite = optionalNumber(usage.cache_creation_input_tokens);
  if (input !== undefined) counts.input = input;
  if (output !== undefined) counts.output = output;
  if (cacheRead !== undefined) counts.cacheRead = cacheRead;
  if (cacheWrite !== undefined) counts.cacheWrite = cacheWrite;
  return counts;
}

/**
 * Reads an Anthropic `usage` object (Messages API, also as relayed by Bedrock and Vertex):
 * input is unified with cache reads and writes (see `explicitCachingUsage`).
 * @see https://docs.anthropic.com/en/api/messages
 */
export function convertAnthropicUsage(usage: unknown): TokenUsage | undefined {
  const counts = anthropicCounts(usage);
  return counts ? explicitCachingUsage(counts) : undefined;
}

/**
 * Usage and model of one Anthropic response, fed every object the provider sent: a whole
 * `message`, or the stream's events. `message_start` carries the input and cache counts (and
 * an early output count); `message_delta` carries the cumulative output count, and input or
 * cache counts that replace the earlier ones only when non-zero (some relays send zeros there).
 * Counts are kept raw and unified on every read, so the total always matches the parts.
 * @see https://docs.anthropic.com/en/docs/build-with-claude/streaming
 */
export class AnthropicUsageAccumulator {
  private counts: AnthropicCounts = {};
  /** `model` of the message (from `message_start` when streaming). */
  model: string | undefined;

  /** Reads one response object or stream event; returns the usage so far. */
  observe(event: unknown): TokenUsage {
    if (!isRecord(event)) return this.usage;
    if (event.type === 'message_start' && isRecord(event.message)) {
      this.model ??= optionalString(event.message.model);
      this.replace(anthropicCounts(event.message.usage), false);
    } else if (event.type === 'message_delta') {
      this.replace(anthropicCounts(event.usage), true);
    } else if (event.type === 'message' || event.type === undefined) {
      this.model ??= optionalString(event.model);
      this.replace(anthropicCounts(event.usage), false);
    }
    return this.usage;
  }

  get usage(): TokenUsage {
    return explicitCachingUsage(this.counts);
  }

  private replace(update: AnthropicCounts | undefined, onlyNonZeroInputs: boolean): void {
    if (!update) return;
    const next: AnthropicCounts = { ...this.counts };
    if (update.output !== undefined) next.output = update.output;
    for (const key of ['input', 'cacheRead', 'cacheWrite'] as const) {
      const value = update[key];
      if (value === undefined || (onlyNonZeroInputs && value === 0 && this.counts[key] !== undefined)) continue;
      next[key] = value;
    }
    this.counts = next;
  }
}
