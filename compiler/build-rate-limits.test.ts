import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isRecord, type JsonRecord } from '../common/json-guards.js';
import type { RateLimitAction, RateLimitDescriptorConfig } from '../contract/rate-limit-config.js';
import { analyzeSources, compileConfig } from './compile-config.js';
import { QUOTA_DOMAIN, RATE_LIMIT_FILTER } from './build-rate-limits.js';
import { formatDiagnostic } from './diagnostic.js';
import { normaliseIPv4Cidr } from './resources/rate-limit-rule.js';

const CASES = new URL('../../test/golden/cases/', import.meta.url);
const OPTIONS = { file: 'gw.yaml', env: {}, extProcSocketPath: '/run/aigw/extproc.sock', systemCaFile: '/etc/ssl/certs/ca.pem' };

const record = (value: unknown): JsonRecord => {
  assert.ok(isRecord(value), `not an object: ${JSON.stringify(value)}`);
  return value;
};
const list = (value: unknown): unknown[] => {
  assert.ok(Array.isArray(value), `not a list: ${JSON.stringify(value)}`);
  return value;
};

/** The descriptor entry one Envoy action yields for a request with these headers and address (undefined: the action yields none). */
function entryOf(action: JsonRecord, headers: Record<string, string>, address: string): { key: string; value: string } | undefined {
  if (isRecord(action.generic_key)) return { key: String(action.generic_key.descriptor_key), value: String(action.generic_key.descriptor_value) };
  if (isRecord(action.request_headers)) {
    const value = headers[String(action.request_headers.header_name)];
    return value === undefined ? undefined : { key: String(action.request_headers.descriptor_key), value };
  }
  if (isRecord(action.header_value_match)) {
    const match = action.header_value_match;
    const header = record(list(match.headers)[0]);
    const value = headers[String(header.name)];
    const stringMatch = record(header.string_match);
    const matches = value !== undefined && (typeof stringMatch.exact === 'string' ? value === stringMatch.exact : new RegExp(`^(?:${String(record(stringMatch.safe_regex).regex)})$`).test(value));
    return matches === (match.expect_match !== false) ? { key: String(match.descriptor_key), value: String(match.descriptor_value) } : undefined;
  }
  if (isRecord(action.masked_remote_address)) {
    const masked = normaliseIPv4Cidr(`${address}/${Number(action.masked_remote_address.v4_prefix_mask_len)}`);
    assert.ok(typeof masked !== 'string');
    return { key: 'masked_remote_address', value: masked.cidr };
  }
  if (isRecord(action.remote_address)) return { key: 'remote_address', value: address };
  assert.fail(`unknown action ${JSON.stringify(action)}`);
}

/** The descriptor entry one contract action yields (the router's half), as entryOf for Envoy's. */
function checkEntryOf(action: RateLimitAction, headers: Record<string, string>, address: string): { key: string; value: string } | undefined {
  switch (action.kind) {
    case 'generic':
      return { key: action.key, value: action.value };
    case 'requestHeader': {
      const value = headers[action.header];
      return value === undefined ? undefined : { key: action.key, value };
    }
    case 'headerMatch': {
      const value = headers[action.header];
      const matches = value !== undefined && ('exact' in action.match ? value === action.match.exact : new RegExp(`^(?:${action.match.regex})$`).test(value));
      return matches === action.expectMatch ? { key: action.key, value: action.key } : undefined;
    }
    case 'maskedRemoteAddress': {
      const masked = normaliseIPv4Cidr(`${address}/${action.prefixLength}`);
      assert.ok(typeof masked !== 'string');
      return { key: 'masked_remote_address', value: masked.cidr };
    }
    case 'remoteAddress':
      return { key: 'remote_address', value: address };
  }
}

/** envoyproxy/ratelimit's lookup: at each level the node with the same key and value, else the same key and no value. */
function lookup(tree: readonly RateLimitDescriptorConfig[], entries: readonly { key: string; value: string }[]): RateLimitDescriptorConfig | undefined {
  let level = tree;
  let node: RateLimitDescriptorConfig | undefined;
  for (const entry of entries) {
    node = level.find((candidate) => candidate.key === entry.key && candidate.value === entry.value) ?? level.find((candidate) => candidate.key === entry.key && candidate.value === undefined);
    if (!node) return undefined;
    level = node.descriptors ?? [];
  }
  return node;
}

/**
 * Walks every Envoy route's RateLimitPerRoute: for a request that carries every descriptor (each
 * header present with a value its matchers accept), the path must end on a node of the domain's
 * tree that holds a limit. Returns how many rate limits were checked.
 */
function assertBothHalvesAgree(file: string, headers: Record<string, string>): number {
  const compiled = compileConfig(readFileSync(new URL(file, CASES), 'utf8'), OPTIONS);
  const domains = compiled.filterConfig.rateLimit?.domains ?? [];
  let checked = 0;
  const bootstrap = record(compiled.bootstrap);
  for (const listener of list(record(bootstrap.static_resources).listeners)) {
    const listenerName = String(record(listener).name);
    const chain = record(list(record(listener).filter_chains)[0]);
    const hcm = record(record(list(chain.filters).map(record).find((filter) => filter.name === 'envoy.filters.network.http_connection_manager')).typed_config);
    const filters = list(hcm.http_filters).map(record);
    for (const route of list(record(list(record(hcm.route_config).virtual_hosts)[0]).routes).map(record)) {
      const perFilter = isRecord(route.typed_per_filter_config) ? route.typed_per_filter_config : {};
      for (const [filterName, config] of Object.entries(perFilter)) {
        const filter = filters.find((candidate) => candidate.name === filterName);
        assert.ok(filter, `${filterName} has a per-route config but is not in the listener's filters`);
        const domain = String(record(filter.typed_config).domain);
        assert.equal(domain, listenerName);
        const tree = domains.find((candidate) => candidate.domain === domain)?.descriptors;
        assert.ok(tree, `no descriptor tree for domain ${domain}`);
        for (const limit of list(record(config).rate_limits).map(record)) {
          const entries = list(limit.actions).map((action) => entryOf(record(action), headers, '10.20.30.40'));
          assert.ok(entries.every((entry) => entry !== undefined), `${JSON.stringify(limit.actions)} yields no descriptor for ${JSON.stringify(headers)}`);
          const node = lookup(tree, entries.filter((entry) => entry !== undefined));
          assert.ok(node?.rateLimit, `${filterName}: ${JSON.stringify(entries)} ends on no limit in domain ${domain}`);
          checked++;
        }
      }
    }
  }
  // The router's half: each rule's checks and charges under each listener of its route, each backendRef's under the quota domain.
  const checks = compiled.filterConfig.rateLimit?.checks ?? { rules: [], backends: [] };
  const targets = [
    ...checks.rules.flatMap((target) => (compiled.filterConfig.rules.find((rule) => rule.name === target.name)?.listeners ?? []).map((domain) => ({ domain, target }))),
    ...checks.backends.map((target) => ({ domain: QUOTA_DOMAIN, target })),
  ];
  for (const { domain, target } of targets) {
    const tree = domains.find((candidate) => candidate.domain === domain)?.descriptors;
    assert.ok(tree, `no descriptor tree for domain ${domain}`);
    for (const check of [...target.checks, ...target.charges]) {
      const entries = check.actions.map((action) => checkEntryOf(action, headers, '10.20.30.40'));
      assert.ok(entries.every((entry) => entry !== undefined), `${JSON.stringify(check.actions)} yields no descriptor for ${JSON.stringify(headers)}`);
      const node = lookup(tree, entries.filter((entry) => entry !== undefined));
      assert.ok(node?.rateLimit, `${target.name}: ${JSON.stringify(entries)} ends on no limit in domain ${domain}`);
      checked++;
    }
  }
  return checked;
}

test('every action list, Envoy\'s (charges when the stream is done) and the router\'s (request checks), finds its limit in the contract tree (BTP and QuotaPolicy)', () => {
  // 5 rules × (request check + response charge).
  assert.equal(assertBothHalvesAgree('08-token-ratelimit.in.yaml', { 'x-tenant-id': 'tenant-a' }), 10);
  const checked = assertBothHalvesAgree('09-quota-policy.in.yaml', { 'x-team': 'research', 'x-user-id': 'u1' });
  // Two routes × 2 BTP rules; gpt-4o: 2 bucket rules + default, gpt-4o-mini: default; serviceQuota on both; ×2 charges each.
  assert.equal(checked, 2 * 2 + 2 * (3 + 1 + 2));
});

test('BTP on router-mode rules: the router checks with 0 hits and charges the response cost from the costs; Envoy has no rate-limit filter', () => {
  const compiled = compileConfig(readFileSync(new URL('08-token-ratelimit.in.yaml', CASES), 'utf8'), OPTIONS);
  const text = JSON.stringify(compiled.bootstrap);
  assert.doesNotMatch(text, /envoy\.filters\.http\.ratelimit"|ratelimit_cluster|hits_addend/, 'no call to the rate-limit service on any request');
  const rateLimit = compiled.filterConfig.rateLimit;
  assert.ok(rateLimit);
  assert.equal(rateLimit.failureModeDeny, false);
  const targets = rateLimit.checks.rules;
  assert.equal(targets.flatMap((target) => target.checks).length, 5);
  assert.ok(targets.flatMap((target) => target.checks).every((check) => check.hits !== undefined && 'number' in check.hits && check.hits.number === 0));
  assert.deepEqual(
    targets.flatMap((target) => target.charges).map((charge) => (charge.hits && 'metadata' in charge.hits ? charge.hits.metadata.key : undefined)),
    ['llm_input_token', 'llm_output_token', 'llm_total_token', 'llm_cached_input_token', 'llm_cel_calculated_token'],
  );
  assert.deepEqual(rateLimit.checks.backends, []);
  const denying = compileConfig(readFileSync(new URL('08-token-ratelimit.in.yaml', CASES), 'utf8'), { ...OPTIONS, rateLimitFailureModeDeny: true });
  assert.equal(denying.filterConfig.rateLimit?.failureModeDeny, true);
});

test('BTP on an upstream-mode rule (fallback priorities): Envoy\'s filter charges the response cost on stream done, on the rate-limit service\'s socket', () => {
  const base = readFileSync(new URL('10-local-ratelimit.in.yaml', CASES), 'utf8');
  const text = base.replace(/(\n(\s+)limit:\n\s+requests: 1000\n\s+unit: Hour\n)/, '$1$2cost:\n$2  response:\n$2    from: Metadata\n$2    metadata:\n$2      namespace: io.envoy.ai_gateway\n$2      key: llm_total_token\n');
  assert.notEqual(text, base);
  const compiled = compileConfig(text, { ...OPTIONS, rateLimitSocketPath: '/x/rl.sock' });
  const bootstrap = JSON.stringify(compiled.bootstrap);
  assert.match(bootstrap, /"apply_on_stream_done":true,"hits_addend":\{"format":"%DYNAMIC_METADATA\(io\.envoy\.ai_gateway:llm_total_token\)%"\}/);
  assert.match(bootstrap, new RegExp(`"name":"${RATE_LIMIT_FILTER}","typed_config":\\{[^}]*"domain":"[^"]+","timeout":"1s","rate_limit_service"`));
  assert.match(bootstrap, /"name":"ratelimit_cluster".*"pipe":\{"path":"\/x\/rl\.sock"\}/);
  const fallback = compiled.filterConfig.rateLimit?.checks.rules.find((target) => target.name === 'default/fallback/rule/0');
  assert.ok(fallback && fallback.checks.length === 1, 'the router still checks it');
  assert.deepEqual(fallback.charges, [], 'Envoy charges it');
});

test('no rate limits: no filters, clusters or contract part', () => {
  const compiled = compileConfig(readFileSync(new URL('01-basic-openai.in.yaml', CASES), 'utf8'), OPTIONS);
  assert.equal(compiled.filterConfig.rateLimit, undefined);
  assert.doesNotMatch(JSON.stringify(compiled.bootstrap), /ratelimit_cluster|envoy\.filters\.http\.ratelimit"/);
});

const QUOTA_BASE = readFileSync(new URL('09-quota-policy.in.yaml', CASES), 'utf8');

function problems(text: string): string[] {
  return analyzeSources([{ file: 'gw.yaml', text }], {}).diagnostics.map(formatDiagnostic);
}

test('QuotaPolicy: a backend of a fallback rule is an error; an unmatched model a warning; duplicates an error', () => {
  const fallback = QUOTA_BASE.replace('        - name: openai\n          modelNameOverride: gpt-4o\n', '        - name: openai\n          modelNameOverride: gpt-4o\n        - name: openai\n          priority: 1\n');
  assert.ok(problems(fallback).some((line) => /error: QuotaPolicy "openai-budget": spec\.targetRefs: AIServiceBackend default\/openai is a backend of rule 1 .* fallback priorities/.test(line)), problems(fallback).join('\n'));
  const unmatched = QUOTA_BASE.replace('modelNameOverride: gpt-4o\n', 'modelNameOverride: gpt-4.1\n');
  assert.ok(problems(unmatched).some((line) => /warning: .*perModelQuotas\[0\]\.modelName: no AIGatewayRoute backendRef to AIServiceBackend default\/openai sets modelNameOverride "gpt-4o"/.test(line)));
  const duplicate = QUOTA_BASE.replace('    - modelName: gpt-4o-mini\n', '    - modelName: gpt-4o\n');
  assert.ok(problems(duplicate).some((line) => /error: .*perModelQuotas\[1\]\.modelName: Duplicate value: "gpt-4o"/.test(line)));
  const badCel = QUOTA_BASE.replace('input_tokens + output_tokens * uint(4)', 'prompt_tokens');
  assert.ok(problems(badCel).some((line) => /costExpression: CEL cost expression "prompt_tokens": undeclared reference to "prompt_tokens".*did you mean "input_tokens"/.test(line)));
});

test('readers refuse what aigw run does not generate, with positions', () => {
  const local = QUOTA_BASE.replace('    type: Global\n    global:\n', '    type: Local\n    local:\n');
  assert.ok(problems(local).some((line) => /gw\.yaml:\d+:\d+: error: .*spec\.rateLimit\.local\.rules\[1\]\.shared: shared applies to global rate limits only/.test(line)), problems(local).join('\n'));
  const methods = QUOTA_BASE.replace('            - sourceCIDR:\n', '            - methods:\n                - value: GET\n              sourceCIDR:\n');
  assert.ok(problems(methods).some((line) => /error: .*clientSelectors\[0\]\.methods: clientSelectors\[\]\.methods is not supported by aigw run/.test(line)));
  const ipv6 = QUOTA_BASE.replace('value: 10.1.2.3/8', 'value: "2001:db8::/32"');
  assert.ok(problems(ipv6).some((line) => /sourceCIDR\.value: Invalid value: "2001:db8::\/32": IPv6 source CIDRs are not supported/.test(line)));
  const quotaCidr = QUOTA_BASE.replace('                    value: research\n', '                    value: research\n                sourceCIDR:\n                  value: 10.0.0.0/8\n');
  assert.ok(problems(quotaCidr).some((line) => /error: .*clientSelectors\[0\]\.sourceCIDR: sourceCIDR selectors are not supported here/.test(line)), problems(quotaCidr).join('\n'));
});

test('normaliseIPv4Cidr masks the address as Envoy masked_remote_address does', () => {
  assert.deepEqual(normaliseIPv4Cidr('10.1.2.3/8'), { cidr: '10.0.0.0/8', prefixLength: 8 });
  assert.deepEqual(normaliseIPv4Cidr('192.168.7.9/32'), { cidr: '192.168.7.9/32', prefixLength: 32 });
  assert.deepEqual(normaliseIPv4Cidr('1.2.3.4/0'), { cidr: '0.0.0.0/0', prefixLength: 0 });
  assert.equal(typeof normaliseIPv4Cidr('300.1.1.1/8'), 'string');
});
