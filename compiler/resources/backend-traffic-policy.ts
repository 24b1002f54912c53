import type { FieldReader } from '../field-reader.js';
import { readReference, type ObjectReference } from './object-meta.js';
import { readRateLimitRule, type RateLimitRule } from './rate-limit-rule.js';

/** Envoy Gateway BackendTrafficPolicy: the retry and circuit breaker settings aigw run honours. */
export interface BackendTrafficPolicySpec {
  targetRefs: ObjectReference[];
  retry?: RetrySettings;
  circuitBreaker?: CircuitBreakerSettings;
  rateLimit?: RateLimitSettings;
}

/**
 * `spec.rateLimit`: `Global` rules are enforced by the rate-limit service (Envoy's ratelimit
 * filter), `Local` ones by each Envoy alone (its local_ratelimit filter).
 */
export interface RateLimitSettings {
  type: 'Global' | 'Local';
  rules: RateLimitRule[];
}

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
  // The CRD makes `type` optional; Envoy Gateway then goes by which of global/local is set.
  const declared = rateLimit.oneOf('type', ['Global', 'Local'] as const);
  const global = rateLimit.object('global');
  const local = rateLimit.object('local');
  const type = declared ?? (local && !global ? 'Local' : 'Global');
  const chosen = type === 'Global' ? global : local;
  const other = type === 'Global' ? local : global;
  if (other) rateLimit.error(type === 'Global' ? 'local' : 'global', `Forbidden: rateLimit.type is ${type}`);
  if (type === 'Local') {
    rateLimit.unsupported(declared ? 'type' : 'local', 'local rate limits are not supported by aigw run yet', 'use type: Global (enforced by the rate-limit service aigw run starts)');
  }
  let rules: RateLimitRule[] = [];
  if (!chosen) {
    rateLimit.error(type === 'Global' ? 'global' : 'local', `Required value: rateLimit.type is ${type}`);
  } else {
    if (!chosen.has('rules')) chosen.error('rules', 'Required value');
    const read = chosen.objects('rules').map((rule) => readRateLimitRule(rule, type === 'Global' ? 'global' : 'local'));
    chosen.done();
    if (read.some((rule) => rule === undefined)) rules = [];
    else rules = read.filter((rule): rule is RateLimitRule => rule !== undefined);
  }
  rateLimit.done();
  return rules.length > 0 && type === 'Global' ? { type, rules } : undefined;
}
