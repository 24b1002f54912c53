import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileCosts, computeCosts } from './costs.js';

test('a cost filtered to a backend and model (a QuotaPolicy cost) counts only for them', () => {
  const costs = compileCosts([
    { metadataKey: 'llm_total_token', type: 'TotalToken' },
    { metadataKey: 'quota_cost', type: 'TotalToken', backend: 'default/openai', model: 'gpt-4o' },
    { metadataKey: 'service_quota_cost', type: 'OutputToken', backend: 'default/openai' },
  ]);
  const inputs = (model: string) => ({ model, backend: 'default/openai/route/r/rule/0/ref/0', routeName: 'default/r', usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7 } });
  assert.deepEqual(computeCosts(costs, inputs('gpt-4o'), 'default/openai'), { llm_total_token: 7, quota_cost: 7, service_quota_cost: 4 });
  assert.deepEqual(computeCosts(costs, inputs('gpt-4o-mini'), 'default/openai'), { llm_total_token: 7, service_quota_cost: 4 });
  assert.deepEqual(computeCosts(costs, inputs('gpt-4o'), 'default/other'), { llm_total_token: 7 });
});
