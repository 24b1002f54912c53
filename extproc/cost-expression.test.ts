import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileCostExpression } from './cost-expression.js';

test('evaluates token arithmetic and conditions on model and backend', () => {
  const cost = compileCostExpression('model == "gpt-4o" ? input_tokens * uint(2) + output_tokens : total_tokens');
  assert.equal(cost({ model: 'gpt-4o', backend: 'b', routeName: 'r', usage: { inputTokens: 10, outputTokens: 3, totalTokens: 13 } }), 23);
  assert.equal(cost({ model: 'other', backend: 'b', routeName: 'r', usage: { inputTokens: 10, outputTokens: 3, totalTokens: 13 } }), 13);
  assert.equal(compileCostExpression('100')({ model: '', backend: '', routeName: '', usage: {} }), 100);
  assert.equal(compileCostExpression('reasoning_tokens')({ model: '', backend: '', routeName: '', usage: {} }), 0, 'unreported counts are 0');
});

test('bad expressions fail at compile time with the expression in the message', () => {
  assert.throws(() => compileCostExpression('input_tokens +'), /cannot parse CEL cost expression "input_tokens \+"/);
  assert.throws(() => compileCostExpression('unknown_variable + 1'), /failed/);
  assert.throws(() => compileCostExpression('-1'), /non-negative integer/);
  assert.throws(() => compileCostExpression('"text"'), /non-negative integer/);
});
