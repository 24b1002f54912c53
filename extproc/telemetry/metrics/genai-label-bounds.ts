import { BoundedLabel } from './bounded-label.js';
import type { RequestAttributes } from './genai-metrics.js';
import type { LabelLimits } from './label-limits.js';

/** What a request records when its model is not known (no `model` in the body). */
export const UNKNOWN_MODEL = 'unknown';

/** A request's attributes as recorded, and the key of their label combination. */
export interface BoundedAttributes {
  /** Every model set (placeholders applied), every header label present. */
  attributes: RequestAttributes & { responseModel: string; headerLabels: Record<string, string> };
  /** Operation, provider schema and every bounded value, `\0`-separated (neither a model nor a header value holds a NUL). */
  key: string;
}

/**
 * Bounds the GenAI metric attributes a client or provider chooses (original, request and
 * response model, header-mapped labels), for Prometheus and OTLP alike. The three model labels
 * share one set of admitted names (a name counts once wherever it appears); each header-mapped
 * label has its own. On top of that, the number of label combinations is capped, because
 * per-label caps multiply.
 */
export class GenAILabelBounds {
  private readonly models: BoundedLabel;
  private readonly headers: readonly { label: string; bound: BoundedLabel }[];
  /** Combinations seen, up to maxLabelSets (the fallback combinations are bounded without it). */
  private readonly labelSets = new Set<string>();

  constructor(
    headerLabels: readonly string[],
    configuredModels: Iterable<string>,
    private readonly limits: LabelLimits,
  ) {
    // '' is a response model a provider may send; the header labels' '' is "header absent".
    this.models = new BoundedLabel([...configuredModels, UNKNOWN_MODEL, ''], limits);
    this.headers = headerLabels.map((label) => ({ label, bound: new BoundedLabel([''], limits) }));
  }

  /** Model names a reloaded configuration knows (see BoundedLabel.configure). */
  configureModels(names: Iterable<string>): void {
    this.models.configure(names);
  }

  bound(attributes: RequestAttributes): BoundedAttributes {
    const originalModel = this.models.value(attributes.originalModel || UNKNOWN_MODEL);
    const requestModel = this.models.value(attributes.requestModel || UNKNOWN_MODEL);
    const responseModel = attributes.responseModel === undefined ? requestModel : this.models.value(attributes.responseModel);
    const headerLabels: Record<string, string> = {};
    for (const { label, bound } of this.headers) headerLabels[label] = bound.value(attributes.headerLabels?.[label] ?? '');
    const bounded = { operation: attributes.operation, schema: attributes.schema, originalModel, requestModel, responseModel, headerLabels };
    const key = labelSetKey(bounded);
    if (this.labelSets.has(key)) return { attributes: bounded, key };
    if (this.labelSets.size < this.limits.maxLabelSets) {
      this.labelSets.add(key);
      return { attributes: bounded, key };
    }
    // Past the cap: only configured values keep their own series.
    const fallbackHeaders: Record<string, string> = {};
    for (const { label, bound } of this.headers) fallbackHeaders[label] = bound.configuredOrOverflow(headerLabels[label] ?? '');
    const fallback = {
      ...bounded,
      originalModel: this.models.configuredOrOverflow(originalModel),
      requestModel: this.models.configuredOrOverflow(requestModel),
      responseModel: this.models.configuredOrOverflow(responseModel),
      headerLabels: fallbackHeaders,
    };
    return { attributes: fallback, key: labelSetKey(fallback) };
  }
}

function labelSetKey(attributes: BoundedAttributes['attributes']): string {
  let key = `${attributes.operation}\u0000${attributes.schema}\u0000${attributes.originalModel}\u0000${attributes.requestModel}\u0000${attributes.responseModel}`;
  for (const value of Object.values(attributes.headerLabels)) key += `\u0000${value}`;
  return key;
}
