import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCostVariable, suggestCostVariable } from './cost-variables.js';

test('suggests the variable a typo, a different case or a provider usage field name meant', () => {
  assert.equal(suggestCostVariable('cached_input_token'), 'cached_input_tokens');
  assert.equal(suggestCostVariable('Output_Tokens'), 'output_tokens');
  assert.equal(suggestCostVariable('totl_tokens'), 'total_tokens');
  assert.equal(suggestCostVariable('reasoning_token'), 'reasoning_tokens');
  assert.equal(suggestCostVariable('cache_read_input_tokens'), 'cached_input_tokens');
  assert.equal(suggestCostVariable('prompt_tokens'), 'input_tokens');
  assert.equal(suggestCostVariable('routeName'), 'route_name');
  assert.equal(suggestCostVariable('request'), undefined);
  assert.ok(isCostVariable('route_name'));
  assert.ok(!isCostVariable('routeName'));
});
