import { fullMatchRegExp } from '../../common/full-match-regexp.js';
import type { RuleConfig } from '../../contract/filter-config.js';
import { hostMatches } from './host-match.js';

/** A rule compiled for matching: regular expressions built once at config load. */
export interface CompiledRule {
  config: RuleConfig;
  tests: { name: string; test: (value: string) => boolean }[];
}

export const MODEL_MATCH_NAME = 'x-ai-eg-model';

/**
 * Compiles rule conditions. RegularExpression matches the whole value, as Gateway API (RE2)
 * does; the compiler has already rejected patterns RE2 would not accept.
 */
export function compileRules(rules: readonly RuleConfig[]): CompiledRule[] {
  return rules.map((config) => ({
    config,
    tests: config.headers.map((header) => {
      if (header.type === 'Exact') {
        const expected = header.value;
        return { name: header.name, test: (value: string) => value === expected };
      }
      const pattern = fullMatchRegExp(header.value);
      return { name: header.name, test: (value: string) => pattern.test(value) };
    }),
  }));
}

/**
 * The first rule, among those of the request's listener (all when unknown), whose conditions hold. `header(name)` returns a request header (lower-case
 * name), with `x-ai-eg-model` answered from the request body.
 */
export function matchRule(rules: readonly CompiledRule[], listener: string | undefined, header: (name: string) => string | undefined): CompiledRule | undefined {
  return rules.find(
    (rule) =>
      (listener === undefined || rule.config.listeners.includes(listener)) &&
      hostMatches(rule.config.hostnames, header(':authority')) &&
      rule.tests.every((condition) => {
        const value = header(condition.name);
        return value !== undefined && condition.test(value);
      }),
  );
}

/**
 * Picks a backend of a `router`-mode rule: among the refs of the most preferred priority, at
 * random in proportion to their weights (Gateway API backendRef weights).
 */
export function pickBackend(rule: RuleConfig, random: () => number = Math.random): string | undefined {
  let best = Number.POSITIVE_INFINITY;
  for (const backend of rule.backends) if (backend.priority < best) best = backend.priority;
  const candidates = rule.backends.filter((backend) => backend.priority === best);
  const total = candidates.reduce((sum, backend) => sum + backend.weight, 0);
  if (candidates.length <= 1 || total <= 0) return candidates[0]?.name;
  let point = random() * total;
  for (const backend of candidates) {
    point -= backend.weight;
    if (point < 0) return backend.name;
  }
  return candidates[candidates.length - 1]?.name;
}
