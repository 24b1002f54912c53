import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger } from '../../common/logger.js';
import type { BackendConfig } from '../../contract/filter-config.js';
import { testFilterConfig } from '../../test/support/test-runtime.js';
import { GenAIMetrics } from '../telemetry/metrics/genai-metrics.js';
import { buildRuntimeConfig } from './runtime-config.js';

test('a reload keeps the authenticator (and its token cache) of every credential it did not change; a rotated one gets a new one', () => {
  const metrics = new GenAIMetrics();
  const logger = createLogger('error', () => undefined);
  const withKeys = (first: string, second: string): BackendConfig[] => [
    { name: 'default/a/route/r/rule/0/ref/0', route: 'default/r', aiServiceBackend: 'default/a', schema: { name: 'OpenAI', prefix: 'v1' }, auth: { type: 'APIKey', key: first } },
    { name: 'default/b/route/r/rule/0/ref/1', route: 'default/r', aiServiceBackend: 'default/b', schema: { name: 'OpenAI', prefix: 'v1' }, auth: { type: 'APIKey', key: second } },
  ];
  const before = buildRuntimeConfig(testFilterConfig({ backends: withKeys('sk-first-key-1', 'sk-second-key-1') }), metrics, logger);
  assert.equal(before.authenticatorsByCredential.size, 2);
  const after = buildRuntimeConfig(testFilterConfig({ backends: withKeys('sk-first-key-1', 'sk-second-key-2') }), metrics, logger, {
    authenticatorsByCredential: before.authenticatorsByCredential,
  });
  const [keptBefore, rotatedBefore] = [...before.authenticatorsByCredential.values()];
  const [keptAfter, rotatedAfter] = [...after.authenticatorsByCredential.values()];
  assert.ok(keptBefore && keptBefore === keptAfter, 'the unchanged credential keeps its authenticator');
  assert.ok(rotatedAfter && rotatedAfter !== rotatedBefore, 'the rotated credential gets a new one');
  assert.equal(after.authenticatorsByCredential.size, 2, 'credentials no backend uses any more are dropped');
});
