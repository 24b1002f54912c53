import type { FieldReader } from '../field-reader.js';
import { readReference, type ObjectReference } from './object-meta.js';
import type { RateLimitUnit } from '../../contract/rate-limit-config.js';
import { readRateLimitRule, type RateLimitRule } from './rate-limit-rule.js';

/** Envoy Gateway BackendTrafficPolicy: the retry and circuit breaker settings aigw run honours. */
export interface BackendTrafficPolicySpec {
  targetRefs: ObjectReference[];
  retry?: RetrySettings;
  circuitBreaker?: CircuitBreakerSettings;
  rateLimit?: RateLimitSettings;
}

/**
 * `spec.rateLimit`: `global` rules are enforced by the rate-limit service (Envoy's ratelimit
 * filter), `local` ones by each Envoy alone (its local_ratelimit filter). Without the deprecated
 * `type`, both may be set, as Envoy Gateway allows.
 */
export interface RateLimitSettings {
  global?: RateLimitRule[];
  local?: LocalRateLimitSettings;
}

/**
 * `rateLimit.local`, laid out as Envoy Gateway does: the rule without client selectors is the
 * route's own token bucket (unlimited without one), the others are descriptors with their own
 * buckets; a request matching a descriptor does not take from the route's bucket.
 */
export interface LocalRateLimitSettings {
  defaultLimit: { requests: number; unit: RateLimitUnit };
  /** The rules with client selectors, in order (their index names their descriptors). */
  rules: RateLimitRule[];
  /** Every rule, the selector-less one included, is in shadow mode: count, never refuse. */
  shadowMode: boolean;
}

/** Envoy Gateway's unlimited default bucket: uint32 max per second. */
export const UNLIMITED_LOCAL_BUCKET = { requests: 2 ** 32 - 1, unit: 'second' } as const;

/** A unit in seconds (Envoy Gateway's: a month is 30 days, a year 365). */
export const UNIT_SECONDS: Readonly<Record<RateLimitUnit, number>> = { second: 1, minute: 60, hour: 3600, day: 86400, month: 30 * 86400, year: 365 * 86400 };

/** `spec.circuitBreaker`: Envoy's cluster circuit breaker thresholds, only the fields given. */
export interface CircuitBreakerSettings {
  maxConnections?: number;
  maxPendingRequests?: number;
  maxParallelRequests?: number;
  maxParallelRetries?: number;
  maxRequestsPerConnection?: number;
}

const CIRCUIT_BREAKER_FIELDS = ['maxConnections', 'maxPendingRequests', 'maxParallelRequests', 'maxParallelRetries', 'maxRequestsPerConnection'] as const;
/** Envoy's thresholds are uint32. */
const MAX_THRESHOLD = 2 ** 32 - 1;

export interface RetrySettings {
  numRetries: number;
  /** Attempts on one priority before moving to the next (fallback). */
  numAttemptsPerPriority?: number;
  perTryTimeoutMs?: number;
  backOff?: { baseIntervalMs: number; maxIntervalMs?: number };
  triggers: string[];
  httpStatusCodes: number[];
}

const TRIGGERS = ['5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'retriable-status-codes'] as const;

export function readBackendTrafficPolicySpec(spec: FieldReader): BackendTrafficPolicySpec {
  const targetRefs = spec.objects('targetRefs').map(readReference);
  if (spec.has('targetRef')) spec.unsupported('targetRef', 'targetRef is not supported by aigw run', 'use targetRefs');
  const result: BackendTrafficPolicySpec = { targetRefs };
  const retry = spec.object('retry');
  if (retry) {
    const settings: RetrySettings = { numRetries: retry.integer('numRetries', { min: 0 }) ?? 2, triggers: [], httpStatusCodes: [] };
    const perPriority = retry.integer('numAttemptsPerPriority', { min: 0 });
    if (perPriority !== undefined) settings.numAttemptsPerPriority = perPriority;
    const perRetry = retry.object('perRetry');
    if (perRetry) {
      const timeout = perRetry.duration('timeout', '100ms or 30s');
      if (timeout !== undefined) settings.perTryTimeoutMs = timeout;
      const backOff = perRetry.object('backOff');
      if (backOff) {
        const base = backOff.duration('baseInterval', '100ms or 30s');
        const max = backOff.duration('maxInterval', '100ms or 30s');
        if (base !== undefined) settings.backOff = { baseIntervalMs: base, ...(max !== undefined ? { maxIntervalMs: max } : {}) };
        backOff.done();
      }
      perRetry.done();
    }
    const retryOn = retry.object('retryOn');
    if (retryOn) {
      retryOn.strings('triggers').forEach((trigger, i) => {
        if ((TRIGGERS as readonly string[]).includes(trigger)) settings.triggers.push(trigger);
        else retryOn.errorAt([...retryOn.path, 'triggers', i], `Unsupported value: ${JSON.stringify(trigger)}: supported values: ${TRIGGERS.map((t) => `"${t}"`).join(', ')}`);
      });
      const codes = retryOn.value.httpStatusCodes;
      retryOn.ignore('httpStatusCodes');
      if (Array.isArray(codes)) {
        codes.forEach((code: unknown, i) => {
          if (typeof code === 'number' && Number.isInteger(code) && code >= 100 && code <= 599) settings.httpStatusCodes.push(code);
          else retryOn.errorAt([...retryOn.path, 'httpStatusCodes', i], `Invalid value: ${JSON.stringify(code)}: must be an HTTP status code`);
        });
      }
      retryOn.done();
    } else {
      // Envoy Gateway's defaults when retryOn is not given.
      settings.triggers.push('connect-failure', 'retriable-status-codes');
      settings.httpStatusCodes.push(503);
    }
    retry.done();
    result.retry = settings;
  }
  const breaker = spec.object('circuitBreaker');
  if (breaker) {
    const settings: CircuitBreakerSettings = {};
    for (const field of CIRCUIT_BREAKER_FIELDS) {
      const value = breaker.integer(field, { min: field === 'maxRequestsPerConnection' ? 1 : 0, max: MAX_THRESHOLD });
      if (value !== undefined) settings[field] = value;
    }
    for (const key of Object.keys(breaker.value)) {
      if ((CIRCUIT_BREAKER_FIELDS as readonly string[]).includes(key)) continue;
      breaker.unsupported(key, `circuitBreaker.${key} is not supported by aigw run`, `remove it; supported: ${CIRCUIT_BREAKER_FIELDS.join(', ')}`);
      breaker.ignore(key);
    }
    breaker.done();
    result.circuitBreaker = settings;
  }
  const rateLimit = spec.object('rateLimit');
  if (rateLimit) {
    const settings = readRateLimit(rateLimit);
    if (settings) result.rateLimit = settings;
  }
  for (const key of Object.keys(spec.value)) {
    if (key === 'targetRefs' || key === 'retry' || key === 'targetRef' || key === 'circuitBreaker' || key === 'rateLimit') continue;
    spec.unsupported(key, `BackendTrafficPolicy ${key} is not supported by aigw run yet`, 'remove it; only retry, circuitBreaker and rateLimit are honoured');
    spec.ignore(key);
  }
  spec.done();
  return result;
}


function readRateLimit(rateLimit: FieldReader): RateLimitSettings | undefined {
  // The deprecated `type` picks one of global/local (the other is then an error); without it,
  // Envoy Gateway applies whichever are set.
  const declared = rateLimit.oneOf('type', ['Global', 'Local'] as const);
  const global = rateLimit.object('global');
  const local = rateLimit.object('local');
  if (declared === 'Global' && local) rateLimit.error('local', 'Forbidden: rateLimit.type is Global');
  if (declared === 'Local' && global) rateLimit.error('global', 'Forbidden: rateLimit.type is Local');
  if (declared === 'Global' && !global) rateLimit.error('global', 'Required value: rateLimit.type is Global');
  if (declared === 'Local' && !local) rateLimit.error('local', 'Required value: rateLimit.type is Local');
  if (!declared && !global && !local) rateLimit.error(undefined, 'Required value: one of global or local');
  const result: RateLimitSettings = {};
  if (global && declared !== 'Local') {
    const rules = readRules(global, 'global');
    if (rules && rules.length > 0) result.global = rules;
  } else {
    global?.ignore('rules');
  }
  if (local && declared !== 'Global') {
    const rules = readRules(local, 'local');
    const settings = rules && rules.length > 0 ? localSettings(local, rules) : undefined;
    if (settings) result.local = settings;
  } else {
    local?.ignore('rules');
  }
  global?.done();
  local?.done();
  rateLimit.done();
  return result.global || result.local ? result : undefined;
}

/** The rules of `global` or `local`; undefined when one was invalid (already reported). */
function readRules(parent: FieldReader, scope: 'global' | 'local'): RateLimitRule[] | undefined {
  if (!parent.has('rules')) parent.error('rules', 'Required value');
  const read = parent.objects('rules').map((rule) => readRateLimitRule(rule, scope));
  return read.some((rule) => rule === undefined) ? undefined : read.filter((rule): rule is RateLimitRule => rule !== undefined);
}

/**
 * Envoy Gateway's checks and layout for local rules: at most one rule without client selectors
 * (the route's bucket), every rule's unit a multiple of that bucket's. Shadow mode is per
 * descriptor in Envoy; the route's bucket has none, so a selector-less rule in shadow mode is
 * honoured only when every rule is (the filter then enforces nothing).
 */
function localSettings(local: FieldReader, rules: RateLimitRule[]): LocalRateLimitSettings | undefined {
  const isDefault = (rule: RateLimitRule): boolean => rule.selectors.headers.length === 0 && rule.selectors.sourceCIDR === undefined;
  const defaults = rules.map((rule, index) => ({ rule, index })).filter(({ rule }) => isDefault(rule));
  let valid = true;
  for (const { index } of defaults.slice(1)) {
    local.errorAt([...local.path, 'rules', index], 'Invalid value: a local rate limit can have only one rule without clientSelectors (the route\'s own bucket)', 'give the other rules clientSelectors, or merge them');
    valid = false;
  }
  const first = defaults[0];
  const defaultLimit = first ? { requests: first.rule.requests, unit: first.rule.unit } : UNLIMITED_LOCAL_BUCKET;
  rules.forEach((rule, index) => {
    if (UNIT_SECONDS[rule.unit] % UNIT_SECONDS[defaultLimit.unit] !== 0) {
      local.errorAt([...local.path, 'rules', index, 'limit', 'unit'], `Invalid value: a local rate limit rule's unit must be a multiple of the unit of the rule without clientSelectors (${defaultLimit.unit})`);
      valid = false;
    }
  });
  const shadowMode = rules.every((rule) => rule.shadowMode);
  if (first?.rule.shadowMode && !shadowMode) {
    local.unsupportedAt(
      [...local.path, 'rules', first.index, 'shadowMode'],
      'shadowMode on the local rule without clientSelectors is honoured only when every local rule is in shadow mode (Envoy\'s route bucket has no shadow mode)',
      'set shadowMode on every local rule, or give this rule clientSelectors',
    );
    valid = false;
  }
  if (!valid) return undefined;
  return { defaultLimit: { ...defaultLimit }, rules: rules.filter((rule) => !isDefault(rule)), shadowMode };
}
