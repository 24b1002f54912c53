import type { RateLimitUnit } from '../../contract/rate-limit-config.js';
import type { FieldReader } from '../field-reader.js';
import { ipv4Cidr } from '../../common/ipv4-cidr.js';

/**
 * The client selectors of a rate-limit rule (Envoy Gateway `RateLimitSelectCondition`, also
 * used by QuotaPolicy `bucketRules[].clientSelectors`), flattened the way Envoy Gateway does:
 * every header condition of every selector must hold (one descriptor each, in order), then at
 * most one source CIDR.
 */
export interface RateLimitSelectors {
  headers: RateLimitHeaderSelector[];
  sourceCIDR?: SourceCidrSelector;
}

export interface RateLimitHeaderSelector {
  /** Lower-case. */
  name: string;
  /** `Distinct`: each value of the header has its own counter (the header must be present). */
  type: 'Exact' | 'RegularExpression' | 'Distinct';
  /** Required for Exact and RegularExpression. */
  value?: string;
  /** Exact/RegularExpression only: the rule applies when the header does NOT match. */
  invert: boolean;
}

/** `sourceCIDR`: the client address must be in `cidr`; `distinct` gives each address its own counter. */
export interface SourceCidrSelector {
  /** Normalised (`10.1.2.3/8` → `10.0.0.0/8`): the value Envoy's masked_remote_address sends. */
  cidr: string;
  prefixLength: number;
  distinct: boolean;
}

/** `cost.request` / `cost.response`: a number of hits, or a number from dynamic metadata. */
export type RateLimitCost = { number: number } | { metadata: { namespace: string; key: string } };

/** One rule of BackendTrafficPolicy `rateLimit.global.rules[]` or `rateLimit.local.rules[]`. */
export interface RateLimitRule {
  selectors: RateLimitSelectors;
  requests: number;
  unit: RateLimitUnit;
  requestCost?: RateLimitCost;
  responseCost?: RateLimitCost;
  shadowMode: boolean;
  shared: boolean;
}

const BTP_UNITS: Readonly<Record<string, RateLimitUnit>> = { Second: 'second', Minute: 'minute', Hour: 'hour', Day: 'day', Month: 'month', Year: 'year' };
/** Envoy's and the rate-limit service's counters are uint32. */
const MAX_LIMIT = 2 ** 32 - 1;

/** Reads one `rateLimit.{global,local}.rules[]` entry. */
export function readRateLimitRule(rule: FieldReader, scope: 'global' | 'local'): RateLimitRule | undefined {
  const selectors = readClientSelectors(rule, 'clientSelectors', { sourceCIDR: true, nonEmpty: true });
  const limit = rule.requiredObject('limit');
  let requests: number | undefined;
  let unit: RateLimitUnit | undefined;
  if (limit) {
    requests = limit.integer('requests', { min: 0, max: MAX_LIMIT });
    if (!limit.has('requests')) limit.error('requests', 'Required value');
    const unitName = limit.oneOf('unit', Object.keys(BTP_UNITS));
    if (!limit.has('unit')) limit.error('unit', 'Required value');
    unit = unitName !== undefined ? BTP_UNITS[unitName] : undefined;
    limit.done();
  }
  let requestCost: RateLimitCost | undefined;
  let responseCost: RateLimitCost | undefined;
  const cost = rule.object('cost');
  if (cost) {
    requestCost = readCost(cost, 'request');
    responseCost = readCost(cost, 'response');
    if (scope === 'local' && responseCost) cost.error('response', 'Forbidden: response cost is not supported for Local Rate Limits', 'use rateLimit.global for token limits');
    // Envoy Gateway's local rate limit ignores costs (every request takes one token); refused rather than ignored.
    if (scope === 'local' && requestCost) cost.unsupported('request', 'a local rate limit cannot charge a request cost: every request takes one token, as in Envoy Gateway', 'remove cost, or use rateLimit.global');
    cost.done();
  }
  // Envoy's token buckets hold at least one token.
  if (scope === 'local' && requests === 0) {
    limit?.error('requests', 'Invalid value: 0: a local rate limit allows at least 1 request per unit', 'use rateLimit.global to refuse every request, or remove the rule');
    requests = undefined;
  }
  const shadowMode = rule.boolean('shadowMode') ?? false;
  const shared = rule.boolean('shared') ?? false;
  if (scope === 'local' && shared) rule.unsupported('shared', 'shared applies to global rate limits only');
  rule.done();
  if (!selectors || requests === undefined || unit === undefined) return undefined;
  return {
    selectors,
    requests,
    unit,
    ...(requestCost ? { requestCost } : {}),
    ...(responseCost ? { responseCost } : {}),
    shadowMode,
    shared,
  };
}

function readCost(cost: FieldReader, key: 'request' | 'response'): RateLimitCost | undefined {
  const spec = cost.object(key);
  if (!spec) return undefined;
  const from = spec.oneOf('from', ['Number', 'Metadata'] as const);
  if (!spec.has('from')) spec.error('from', 'Required value');
  const number = spec.integer('number', { min: 0, max: MAX_LIMIT });
  const metadata = spec.object('metadata');
  let result: RateLimitCost | undefined;
  if (from === 'Number') {
    if (number === undefined) spec.error('number', 'Required value: from is Number');
    else result = { number };
    if (metadata) spec.error('metadata', 'Forbidden: from is Number');
  }
  if (metadata) {
    const namespace = metadata.requiredString('namespace');
    const metadataKey = metadata.requiredString('key');
    metadata.done();
    if (from === 'Metadata') result = { metadata: { namespace, key: metadataKey } };
  } else if (from === 'Metadata') {
    spec.error('metadata', 'Required value: from is Metadata');
  }
  if (from === 'Metadata' && number !== undefined) spec.error('number', 'Forbidden: from is Metadata');
  spec.done();
  return result;
}

/**
 * Reads `clientSelectors[]` (EG's RateLimitSelectCondition): header conditions (Exact,
 * RegularExpression, Distinct; `invert` for the first two) and, where the caller allows it, one
 * IPv4 `sourceCIDR` (`nonEmpty`: a selector must select something, as Envoy Gateway requires). Methods, paths and query parameters are refused: aigw run does not
 * generate their descriptors. Returns undefined when something was invalid (already reported).
 */
export function readClientSelectors(parent: FieldReader, key: string, options: { sourceCIDR: boolean; nonEmpty?: boolean }): RateLimitSelectors | undefined {
  const result: RateLimitSelectors = { headers: [] };
  let valid = true;
  for (const selector of parent.objects(key)) {
    for (const header of selector.objects('headers')) {
      const name = header.requiredString('name').toLowerCase();
      const type = header.oneOf('type', ['Exact', 'RegularExpression', 'Distinct'] as const) ?? 'Exact';
      const value = header.string('value');
      const invert = header.boolean('invert') ?? false;
      if (type === 'Distinct') {
        if (value !== undefined) header.error('value', 'Forbidden: a Distinct header match takes no value');
        if (invert) header.unsupported('invert', 'invert cannot be combined with a Distinct header match', 'remove invert, or match a value with Exact');
      } else if (value === undefined) {
        header.error('value', `Required value: a ${type} header match needs a value`);
        valid = false;
      } else if (type === 'RegularExpression') {
        try {
          new RegExp(value, 'u');
        } catch (error) {
          header.error('value', `Invalid value: ${JSON.stringify(value)}: not a valid regular expression (${error instanceof Error ? error.message : String(error)})`);
          valid = false;
        }
      }
      header.done();
      result.headers.push({ name, type, ...(value !== undefined && type !== 'Distinct' ? { value } : {}), invert });
    }
    const cidr = selector.object('sourceCIDR');
    if (cidr) {
      const value = cidr.requiredString('value');
      const type = cidr.oneOf('type', ['Exact', 'Distinct'] as const) ?? 'Exact';
      if (cidr.boolean('invert') === true) cidr.unsupported('invert', 'an inverted sourceCIDR is not supported by aigw run');
      cidr.done();
      if (!options.sourceCIDR) {
        selector.unsupported('sourceCIDR', 'sourceCIDR selectors are not supported here by aigw run', 'select clients by headers');
        valid = false;
      } else if (result.sourceCIDR) {
        selector.unsupported('sourceCIDR', 'only one sourceCIDR per rule is supported by aigw run');
        valid = false;
      } else {
        const normalised = normaliseIPv4Cidr(value);
        if (typeof normalised === 'string') {
          cidr.error('value', `Invalid value: ${JSON.stringify(value)}: ${normalised}`);
          valid = false;
        } else {
          result.sourceCIDR = { ...normalised, distinct: type === 'Distinct' };
        }
      }
    }
    // Envoy Gateway refuses a selector that selects nothing (BackendTrafficPolicy).
    if (options.nonEmpty && ['headers', 'sourceCIDR', 'methods', 'path', 'queryParams'].every((field) => !selector.has(field))) {
      selector.error(undefined, 'Invalid value: a client selector needs at least one of headers or sourceCIDR');
      valid = false;
    }
    for (const field of ['methods', 'path', 'queryParams'] as const) {
      if (selector.has(field)) {
        selector.unsupported(field, `clientSelectors[].${field} is not supported by aigw run`, 'select clients by headers or sourceCIDR');
        valid = false;
      }
      selector.ignore(field);
    }
    selector.done();
  }
  return valid ? result : undefined;
}

/** `10.1.2.3/8` → `10.0.0.0/8`, or a reason it is not an IPv4 CIDR. */
export function normaliseIPv4Cidr(text: string): { cidr: string; prefixLength: number } | string {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text.trim());
  if (!match) return text.includes(':') ? 'IPv6 source CIDRs are not supported by aigw run' : 'must be an IPv4 CIDR such as 10.0.0.0/8';
  const octets = match.slice(1, 5).map(Number);
  const prefixLength = Number(match[5]);
  if (octets.some((octet) => octet > 255) || prefixLength > 32) return 'must be an IPv4 CIDR such as 10.0.0.0/8';
  return { cidr: ipv4Cidr(octets, prefixLength), prefixLength };
}
