import { list, record, string, stringOrAbsent } from './config-readers.js';
import {
  RATE_LIMIT_UNITS,
  type RateLimitAction,
  type RateLimitCheck,
  type RateLimitConfig,
  type RateLimitDescriptorConfig,
  type RateLimitDomainConfig,
  type RateLimitPolicy,
  type RateLimitTargetChecks,
} from './rate-limit-config.js';
import { isOneOf } from '../common/json-guards.js';
import { AigwError } from '../common/errors.js';

/** The largest `requests_per_unit` Envoy's rate-limit protocol carries (a uint32). */
const MAX_REQUESTS_PER_UNIT = 0xffff_ffff;

/**
 * Parses `FilterConfig.rateLimit` as written by the compiler (see rate-limit-config.ts). Refuses
 * what envoyproxy/ratelimit refuses when it loads its YAML: a domain twice, or two descriptors
 * at one level with the same key and value (one of them could never match).
 */
export function parseRateLimitConfig(value: unknown, path: string): RateLimitConfig {
  const config = record(value, path);
  const seen = new Set<string>();
  const domains = list(config.domains, `${path}.domains`).map((item, i) => {
    const domain = parseDomain(item, `${path}.domains[${i}]`);
    if (seen.has(domain.domain)) throw new AigwError('CONFIG', `${path}.domains[${i}].domain: duplicate domain ${JSON.stringify(domain.domain)}`);
    seen.add(domain.domain);
    return domain;
  });
  const checks = record(config.checks, `${path}.checks`);
  if (typeof config.failureModeDeny !== 'boolean') throw new AigwError('CONFIG', `${path}.failureModeDeny: expected a boolean`);
  return {
    domains,
    checks: { rules: parseTargets(checks.rules, `${path}.checks.rules`), backends: parseTargets(checks.backends, `${path}.checks.backends`) },
    failureModeDeny: config.failureModeDeny,
  };
}

function parseTargets(value: unknown, path: string): RateLimitTargetChecks[] {
  return list(value, path).map((item, i) => {
    const target = record(item, `${path}[${i}]`);
    return {
      name: string(target.name, `${path}[${i}].name`),
      checks: list(target.checks, `${path}[${i}].checks`).map((check, j) => parseCheck(check, `${path}[${i}].checks[${j}]`)),
      charges: list(target.charges, `${path}[${i}].charges`).map((check, j) => parseCheck(check, `${path}[${i}].charges[${j}]`)),
    };
  });
}

function parseCheck(value: unknown, path: string): RateLimitCheck {
  const check = record(value, path);
  const actions = list(check.actions, `${path}.actions`).map((action, i) => parseAction(action, `${path}.actions[${i}]`));
  if (actions.length === 0) throw new AigwError('CONFIG', `${path}.actions: must not be empty`);
  if (check.hits === undefined) return { actions };
  const hits = record(check.hits, `${path}.hits`);
  if (hits.number !== undefined) return { actions, hits: { number: count(hits.number, `${path}.hits.number`) } };
  const metadata = record(hits.metadata, `${path}.hits.metadata`);
  return { actions, hits: { metadata: { namespace: string(metadata.namespace, `${path}.hits.metadata.namespace`), key: string(metadata.key, `${path}.hits.metadata.key`) } } };
}

function parseAction(value: unknown, path: string): RateLimitAction {
  const action = record(value, path);
  const text = (field: string): string => string(action[field], `${path}.${field}`);
  switch (action.kind) {
    case 'generic':
      return { kind: 'generic', key: text('key'), value: text('value') };
    case 'requestHeader':
      return { kind: 'requestHeader', header: text('header'), key: text('key') };
    case 'headerMatch': {
      const match = record(action.match, `${path}.match`);
      if (typeof action.expectMatch !== 'boolean') throw new AigwError('CONFIG', `${path}.expectMatch: expected a boolean`);
      const parsed = typeof match.exact === 'string' ? { exact: match.exact } : { regex: string(match.regex, `${path}.match.regex`) };
      return { kind: 'headerMatch', key: text('key'), header: text('header'), match: parsed, expectMatch: action.expectMatch };
    }
    case 'maskedRemoteAddress': {
      const prefixLength = count(action.prefixLength, `${path}.prefixLength`);
      if (prefixLength > 32) throw new AigwError('CONFIG', `${path}.prefixLength: expected 0 to 32`);
      return { kind: 'maskedRemoteAddress', cidr: text('cidr'), prefixLength };
    }
    case 'remoteAddress':
      return { kind: 'remoteAddress' };
    default:
      throw new AigwError('CONFIG', `${path}.kind: expected generic, requestHeader, headerMatch, maskedRemoteAddress or remoteAddress`);
  }
}

function count(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_REQUESTS_PER_UNIT) throw new AigwError('CONFIG', `${path}: expected an integer from 0 to ${MAX_REQUESTS_PER_UNIT}`);
  return value;
}

function parseDomain(value: unknown, path: string): RateLimitDomainConfig {
  const domain = record(value, path);
  const name = string(domain.domain, `${path}.domain`);
  if (name === '') throw new AigwError('CONFIG', `${path}.domain: must not be empty`);
  return { domain: name, descriptors: parseDescriptors(domain.descriptors, `${path}.descriptors`) };
}

function parseDescriptors(value: unknown, path: string): RateLimitDescriptorConfig[] {
  const seen = new Set<string>();
  return list(value, path).map((item, i) => {
    const descriptor = parseDescriptor(item, `${path}[${i}]`);
    // The same identity envoyproxy/ratelimit gives a level's entries: `key` or `key_value`.
    const identity = descriptor.value === undefined ? descriptor.key : `${descriptor.key}_${descriptor.value}`;
    if (seen.has(identity)) throw new AigwError('CONFIG', `${path}[${i}]: duplicate descriptor ${JSON.stringify(identity)} at this level`);
    seen.add(identity);
    return descriptor;
  });
}

function parseDescriptor(value: unknown, path: string): RateLimitDescriptorConfig {
  const descriptor = record(value, path);
  const key = string(descriptor.key, `${path}.key`);
  if (key === '') throw new AigwError('CONFIG', `${path}.key: must not be empty`);
  const result: RateLimitDescriptorConfig = { key };
  const entryValue = stringOrAbsent(descriptor.value, `${path}.value`);
  if (entryValue !== undefined) result.value = entryValue;
  if (descriptor.rateLimit !== undefined) result.rateLimit = parsePolicy(descriptor.rateLimit, `${path}.rateLimit`);
  if (descriptor.shadowMode !== undefined) {
    if (typeof descriptor.shadowMode !== 'boolean') throw new AigwError('CONFIG', `${path}.shadowMode: expected a boolean`);
    result.shadowMode = descriptor.shadowMode;
  }
  const source = stringOrAbsent(descriptor.source, `${path}.source`);
  if (source !== undefined) result.source = source;
  if (descriptor.descriptors !== undefined) result.descriptors = parseDescriptors(descriptor.descriptors, `${path}.descriptors`);
  return result;
}

function parsePolicy(value: unknown, path: string): RateLimitPolicy {
  const policy = record(value, path);
  const requestsPerUnit = policy.requestsPerUnit;
  if (typeof requestsPerUnit !== 'number' || !Number.isInteger(requestsPerUnit) || requestsPerUnit < 0 || requestsPerUnit > MAX_REQUESTS_PER_UNIT) {
    throw new AigwError('CONFIG', `${path}.requestsPerUnit: expected an integer from 0 to ${MAX_REQUESTS_PER_UNIT}`);
  }
  if (!isOneOf(RATE_LIMIT_UNITS, policy.unit)) throw new AigwError('CONFIG', `${path}.unit: expected one of ${RATE_LIMIT_UNITS.join(', ')}`);
  return { requestsPerUnit, unit: policy.unit };
}
