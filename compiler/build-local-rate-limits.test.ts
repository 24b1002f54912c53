import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isRecord, type JsonRecord } from '../common/json-guards.js';
import { analyzeSources, compileConfig } from './compile-config.js';
import { LOCAL_RATE_LIMIT_FILTER } from './build-local-rate-limits.js';
import { RATE_LIMIT_FILTER } from './build-rate-limits.js';
import { formatDiagnostic } from './diagnostic.js';

const CASES = new URL('../../test/golden/cases/', import.meta.url);
const OPTIONS = { file: 'gw.yaml', env: {}, extProcSocketPath: '/run/aigw/extproc.sock', systemCaFile: '/etc/ssl/certs/ca.pem' };
const BASE = readFileSync(new URL('10-local-ratelimit.in.yaml', CASES), 'utf8');

const record = (value: unknown): JsonRecord => {
  assert.ok(isRecord(value), `not an object: ${JSON.stringify(value)}`);
  return value;
};
const list = (value: unknown): unknown[] => {
  assert.ok(Array.isArray(value), `not a list: ${JSON.stringify(value)}`);
  return value;
};

function hcm(text: string): JsonRecord {
  const bootstrap = record(compileConfig(text, OPTIONS).bootstrap);
  const listener = record(list(record(bootstrap.static_resources).listeners)[0]);
  const chain = record(list(listener.filter_chains)[0]);
  return record(record(list(chain.filters).map(record).find((filter) => filter.name === 'envoy.filters.network.http_connection_manager')).typed_config);
}

/** The local_ratelimit config of the Envoy route that the router filter picks for this target. */
function localConfig(manager: JsonRecord, target: string): JsonRecord | undefined {
  const routes = list(record(list(record(manager.route_config).virtual_hosts)[0]).routes).map(record);
  const route = routes.find((candidate) => JSON.stringify(candidate.match).includes(`"exact":"${target}"`));
  assert.ok(route, `no route for ${target}`);
  const perFilter = isRecord(route.typed_per_filter_config) ? route.typed_per_filter_config : {};
  const config = perFilter[LOCAL_RATE_LIMIT_FILTER];
  return config === undefined ? undefined : record(config);
}

function problems(text: string): string[] {
  return analyzeSources([{ file: 'gw.yaml', text }], {}).diagnostics.map(formatDiagnostic);
}

function assertProblem(text: string, pattern: RegExp): void {
  const found = problems(text);
  assert.ok(found.some((line) => pattern.test(line)), `expected ${String(pattern)} in:\n${found.join('\n')}`);
}

test('local rate limits: the filter sits after the router-level ext_proc (and before the global ratelimit filter, as Envoy Gateway orders them)', () => {
  const names = list(hcm(BASE).http_filters).map((filter) => String(record(filter).name));
  // The global rules here have no response cost: the ext_proc checks them, Envoy's global filter is not needed.
  assert.deepEqual(names, ['envoy.filters.http.ext_proc', LOCAL_RATE_LIMIT_FILTER, 'envoy.filters.http.router']);
  const withResponseCost = BASE.replace(/(\n(\s+)limit:\n\s+requests: 1000\n\s+unit: Hour\n)/, '$1$2cost:\n$2  response:\n$2    from: Number\n$2    number: 1\n');
  assert.notEqual(withResponseCost, BASE, 'the test YAML has the global rule this test edits');
  const both = list(hcm(withResponseCost).http_filters).map((filter) => String(record(filter).name));
  assert.deepEqual(both, ['envoy.filters.http.ext_proc', LOCAL_RATE_LIMIT_FILTER, RATE_LIMIT_FILTER, 'envoy.filters.http.router']);
  const filter = record(list(hcm(BASE).http_filters).map(record).find((candidate) => candidate.name === LOCAL_RATE_LIMIT_FILTER));
  // The listener's config limits nothing: no bucket, no descriptors.
  assert.equal(record(filter.typed_config).token_bucket, undefined);
});

test('local rate limits: the rule without selectors is the route bucket; the others are descriptors whose entries are what their actions yield', () => {
  const config = localConfig(hcm(BASE), 'default/primary/route/chat/rule/0/ref/0');
  assert.ok(config);
  assert.deepEqual(config.token_bucket, { max_tokens: 3, tokens_per_fill: 3, fill_interval: '60s' });
  assert.equal(config.always_consume_default_token_bucket, false);
  assert.equal(config.enable_x_ratelimit_headers, 'DRAFT_VERSION_03');
  assert.equal(config.max_dynamic_descriptors, 10000, 'Envoy does not inherit it from the listener filter');
  assert.deepEqual(record(record(config.filter_enforced).default_value).numerator, 100);
  const descriptors = list(config.descriptors).map(record);
  const limits = list(config.rate_limits).map(record);
  assert.equal(descriptors.length, 3);
  assert.equal(limits.length, descriptors.length, 'one action list per descriptor');
  descriptors.forEach((descriptor, index) => {
    const actions = list(record(limits[index]).actions).map(record);
    const entries = list(descriptor.entries).map(record);
    assert.equal(entries.length, actions.length);
    actions.forEach((action, position) => {
      const entry = record(entries[position]);
      if (isRecord(action.header_value_match)) assert.deepEqual(entry, { key: action.header_value_match.descriptor_key, value: action.header_value_match.descriptor_value });
      else if (isRecord(action.request_headers)) assert.deepEqual(entry, { key: action.request_headers.descriptor_key });
      else if (isRecord(action.masked_remote_address)) assert.equal(entry.key, 'masked_remote_address');
      else if (isRecord(action.remote_address)) assert.deepEqual(entry, { key: 'remote_address' });
      else assert.fail(`unexpected action ${JSON.stringify(action)}`);
    });
  });
  assert.deepEqual(descriptors.map((descriptor) => descriptor.token_bucket), [
    { max_tokens: 10, tokens_per_fill: 10, fill_interval: '60s' },
    { max_tokens: 5, tokens_per_fill: 5, fill_interval: '3600s' },
    // Month: 30 days, as Envoy Gateway.
    { max_tokens: 100, tokens_per_fill: 100, fill_interval: '2592000s' },
  ]);
  assert.deepEqual(descriptors.map((descriptor) => descriptor.shadow_mode), [undefined, true, undefined]);
  assert.deepEqual(record(list(descriptors[2]?.entries)[1]), { key: 'masked_remote_address', value: '10.0.0.0/8' });
});

test('local rate limits: a policy with global and local rules (no type) gets both; all-shadow local rules enforce nothing', () => {
  const manager = hcm(BASE);
  const config = localConfig(manager, 'default/fallback/rule/0');
  assert.ok(config);
  assert.equal(record(record(config.filter_enforced).default_value).numerator, 0);
  assert.equal(record(record(config.filter_enabled).default_value).numerator, 100);
  assert.deepEqual(config.token_bucket, { max_tokens: 20, tokens_per_fill: 20, fill_interval: '1s' });
  const checks = compileConfig(BASE, OPTIONS).filterConfig.rateLimit?.checks.rules.find((target) => target.name === 'default/fallback/rule/0');
  assert.ok(checks && checks.checks.length > 0, 'the global rules too (checked by the ext_proc)');
});

test('local rate limits: without a rule lacking selectors the route bucket is unlimited (uint32 max per second)', () => {
  const text = BASE.replace('        - limit:\n            requests: 3\n            unit: Minute\n', '');
  assert.deepEqual(localConfig(hcm(text), 'default/primary/route/chat/rule/0/ref/0')?.token_bucket, { max_tokens: 4294967295, tokens_per_fill: 4294967295, fill_interval: '1s' });
});

test('local rate limits: no policy, no filter', () => {
  const text = readFileSync(new URL('01-basic-openai.in.yaml', CASES), 'utf8');
  assert.doesNotMatch(JSON.stringify(compileConfig(text, OPTIONS).bootstrap), /local_ratelimit/);
});

test('local rate limits: Envoy Gateway refusals and what aigw run cannot honour, with positions', () => {
  const twoDefaults = BASE.replace('        - limit:\n            requests: 3\n            unit: Minute\n', '        - limit:\n            requests: 3\n            unit: Minute\n        - limit:\n            requests: 4\n            unit: Minute\n');
  assertProblem(twoDefaults, /gw\.yaml:\d+:\d+: error: .*spec\.rateLimit\.local\.rules\[1\]: Invalid value: a local rate limit can have only one rule without clientSelectors/);
  const unit = BASE.replace('            requests: 10\n            unit: Minute\n', '            requests: 10\n            unit: Second\n');
  assertProblem(unit, /spec\.rateLimit\.local\.rules\[1\]\.limit\.unit: Invalid value: a local rate limit rule's unit must be a multiple of the unit of the rule without clientSelectors \(minute\)/);
  const zero = BASE.replace('            requests: 10\n', '            requests: 0\n');
  assertProblem(zero, /spec\.rateLimit\.local\.rules\[1\]\.limit\.requests: Invalid value: 0/);
  const cost = BASE.replace('            requests: 10\n            unit: Minute\n', '            requests: 10\n            unit: Minute\n          cost:\n            request:\n              from: Number\n              number: 2\n');
  assertProblem(cost, /gw\.yaml:\d+:\d+: error: .*spec\.rateLimit\.local\.rules\[1\]\.cost\.request: a local rate limit cannot charge a request cost/);
  const shadowDefault = BASE.replace('            requests: 3\n            unit: Minute\n', '            requests: 3\n            unit: Minute\n          shadowMode: true\n');
  assertProblem(shadowDefault, /spec\.rateLimit\.local\.rules\[0\]\.shadowMode: shadowMode on the local rule without clientSelectors is honoured only when every local rule is in shadow mode/);
  const emptySelector = BASE.replace('        - clientSelectors:\n            - headers:\n                - name: x-user\n', '        - clientSelectors:\n            - {}\n          limit:\n            requests: 1\n            unit: Minute\n        - clientSelectors:\n            - headers:\n                - name: x-user\n');
  assertProblem(emptySelector, /clientSelectors\[0\]: Invalid value: a client selector needs at least one of headers or sourceCIDR/);
  const typed = BASE.replace('  rateLimit:\n    global:\n', '  rateLimit:\n    type: Local\n    global:\n');
  assertProblem(typed, /spec\.rateLimit\.global: Forbidden: rateLimit\.type is Local/);
  // One priority, two backendRefs: one Envoy route (and bucket) each.
  const split = BASE.replace('      backendRefs:\n        - name: primary\n---', '      backendRefs:\n        - name: primary\n        - name: secondary\n---');
  assert.notEqual(split, BASE);
  assertProblem(split, /error: BackendTrafficPolicy "gateway-local": spec\.rateLimit\.local: local rate limits are not supported by aigw run on a rule with several backendRefs of one priority \(AIGatewayRoute default\/chat rule 0\)/);
});
