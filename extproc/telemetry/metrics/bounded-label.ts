import { OVERFLOW_LABEL_VALUE, type LabelLimits } from './label-limits.js';

/**
 * The values one metric label records, bounded: configured values always as themselves; other
 * values cut to `maxLength` and admitted up to `maxValues` distinct ones, then
 * OVERFLOW_LABEL_VALUE. What it holds is bounded by the configuration and the cap, so memory
 * stays flat however many distinct values clients send. One map lookup for a value seen before.
 */
export class BoundedLabel {
  /** Configured and admitted values, each mapped to the copy this label keeps of it. */
  private readonly values = new Map<string, string>();
  private readonly configured: Set<string>;
  private admitted = 0;

  /** @param configured values that are always themselves (never cut, never counted). */
  constructor(
    configured: Iterable<string>,
    private readonly limits: Pick<LabelLimits, 'maxValues' | 'maxLength'>,
  ) {
    this.configured = new Set([...configured, OVERFLOW_LABEL_VALUE]);
    for (const value of this.configured) this.values.set(value, value);
  }

  /**
   * More configured values (a reloaded configuration's). Values configured before stay so: series
   * already exported keep their label, and the set only grows with edits, not with traffic.
   */
  configure(values: Iterable<string>): void {
    for (const value of values) {
      this.configured.add(value);
      if (!this.values.has(value)) this.values.set(value, value);
    }
  }

  /** The value to record for `received`. */
  value(received: string): string {
    const known = this.values.get(received);
    if (known !== undefined) return known;
    const cut = truncateLabelValue(received, this.limits.maxLength);
    if (cut !== received) {
      const knownCut = this.values.get(cut);
      if (knownCut !== undefined) return knownCut;
    }
    if (this.admitted >= this.limits.maxValues) return OVERFLOW_LABEL_VALUE;
    this.admitted++;
    const kept = detachedCopy(cut);
    this.values.set(kept, kept);
    return kept;
  }

  /** `value` (as returned by value()) when configured, else OVERFLOW_LABEL_VALUE. */
  configuredOrOverflow(value: string): string {
    return this.configured.has(value) ? value : OVERFLOW_LABEL_VALUE;
  }
}

/** The first `maxLength` UTF-16 code units of `value`, one fewer rather than half a surrogate pair. */
export function truncateLabelValue(value: string, maxLength: number): string {
  if (value.length <= maxLength) return value;
  const last = value.charCodeAt(maxLength - 1);
  return value.slice(0, last >= 0xd800 && last <= 0xdbff ? maxLength - 1 : maxLength);
}

/**
 * A copy that shares no memory with `value`. V8 makes `slice` (and may make other substrings) a
 * view into the original string: keeping the first 128 characters of a 1000-character model
 * name would keep all 1000 (and a value cut out of a larger text may itself be such a view of
 * it). UTF-16LE round-trips every
 * string exactly, lone surrogates included. Runs once per admitted value, never per request.
 */
function detachedCopy(value: string): string {
  return Buffer.from(value, 'utf16le').toString('utf16le');
}
