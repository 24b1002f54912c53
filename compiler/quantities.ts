/** Parsers for the Kubernetes value formats the API uses (durations, resource quantities). */

const DURATION_PART = /(\d+(?:\.\d+)?)(ms|h|m|s)/gy;

/**
 * Parses a Gateway API / metav1 duration ("60s", "1m30s", "500ms", "3m") into milliseconds.
 * Returns undefined for anything else.
 */
export function parseDuration(text: string): number | undefined {
  if (text === '' || text === '0') return text === '0' ? 0 : undefined;
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };
  let total = 0;
  DURATION_PART.lastIndex = 0;
  let consumed = 0;
  for (let match = DURATION_PART.exec(text); match; match = DURATION_PART.exec(text)) {
    total += Number(match[1]) * (units[match[2] ?? ''] ?? 0);
    consumed = DURATION_PART.lastIndex;
  }
  return consumed === text.length ? Math.round(total) : undefined;
}

const QUANTITY = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/;
const MULTIPLIERS: Record<string, number> = {
  '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};

/** Parses a Kubernetes resource quantity such as "50Mi" or "32768" into a number of bytes. */
export function parseQuantity(text: string | number): number | undefined {
  // Bytes are whole: a fractional quantity rounds up, as Kubernetes does for its integer value.
  if (typeof text === 'number') return Number.isFinite(text) && text >= 0 ? Math.ceil(text) : undefined;
  const match = QUANTITY.exec(text.trim());
  if (!match) return undefined;
  return Math.ceil(Number(match[1]) * (MULTIPLIERS[match[2] ?? ''] ?? 1));
}

/** Envoy's protobuf JSON Duration form ("12.5s"). */
export function envoyDuration(milliseconds: number): string {
  return `${milliseconds / 1000}s`;
}
