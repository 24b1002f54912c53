import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FILTER_CONFIG_VERSION } from './filter-config.js';
import { parseFilterConfig } from './parse-filter-config.js';
import { isAigwError } from '../common/errors.js';

const config = (costs: unknown[]): unknown => ({ version: FILTER_CONFIG_VERSION, rules: [], backends: [], models: [], routes: [{ name: 'default/r', costs }] });

test("parseFilterConfig: a QuotaPolicy cost keeps its backend and model filters (without them it would charge every request of the route)", () => {
  const parsed = parseFilterConfig(config([{ metadataKey: 'quota_cost', type: 'CEL', cel: 'total_tokens', backend: 'default/openai', model: 'gpt-4o' }, { metadataKey: 'llm_total_token', type: 'TotalToken' }]));
  assert.deepEqual(parsed.routes[0]?.costs, [
    { metadataKey: 'quota_cost', type: 'CEL', cel: 'total_tokens', backend: 'default/openai', model: 'gpt-4o' },
    { metadataKey: 'llm_total_token', type: 'TotalToken' },
  ]);
});

test('parseFilterConfig: a cost filter of the wrong type is a CONFIG error naming its path', () => {
  assert.throws(() => parseFilterConfig(config([{ metadataKey: 'quota_cost', type: 'TotalToken', backend: 7 }])), (error: unknown) => {
    assert.ok(isAigwError(error, 'CONFIG'));
    assert.match(error.message, /routes\[0\]\.costs\[0\]\.backend/);
    return true;
  });
});
