import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileConfig } from '../../compiler/compile-config.js';
import { gatewayConfigYaml } from '../../test/support/gateway-config-yaml.js';
import { globalRateLimitDocument, TEST_GATEWAY, tokenCost } from '../../test/support/rate-limit-yaml.js';
import { compiledVersion, describeChanges, restartOnlyChanges } from './config-reloader.js';

const compile = (models: string[], extra: Record<string, unknown>[] = []): ReturnType<typeof compileConfig> =>
  compileConfig(gatewayConfigYaml({ port: 1975, upstreamPort: 8080, models, extraDocuments: extra }), { file: 'c.yaml', env: {}, extProcSocketPath: '/run/x/ext_proc.sock' });

test('compiledVersion is the same for the same input and changes with it', () => {
  assert.equal(compiledVersion(compile(['a'])), compiledVersion(compile(['a'])));
  assert.notEqual(compiledVersion(compile(['a'])), compiledVersion(compile(['a', 'b'])));
});

test('describeChanges counts routes, backends and listeners added, removed and changed', () => {
  const one = compile(['a']);
  const two = compile(['a', 'b']);
  assert.equal(describeChanges(one.filterConfig, two.filterConfig, one, two), 'routes +1 −0 ~0, backends +1 −0 ~0, listeners +0 −0 ~0');
  assert.equal(describeChanges(two.filterConfig, one.filterConfig, two, one), 'routes +0 −1 ~0, backends +0 −1 ~0, listeners +0 −0 ~0');
});

test('restartOnlyChanges names what only a restart applies; routes and backends are not among them', () => {
  const plain = compile(['a']);
  assert.deepEqual(restartOnlyChanges(plain, compile(['a', 'b'])), []);
  const limited = compile(['a'], [globalRateLimitDocument('budget', [{ headers: [{ name: 'x-ai-eg-model', type: 'Distinct' }], requests: 10, unit: 'Hour', cost: tokenCost('llm_total_token') }], TEST_GATEWAY)]);
  assert.deepEqual(restartOnlyChanges(plain, limited), [], 'rate limits are reloaded (the ext_proc swaps the limiter’s trees)');
  const envoySettings = { ...plain, bootstrap: { admin: { address: 'elsewhere' } } };
  assert.deepEqual(restartOnlyChanges(plain, envoySettings), ["Envoy's process settings (admin, overload manager) changed"]);
});
