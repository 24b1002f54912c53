import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileCostExpression, CostExpressionError, type CostInputs } from './cost-expression.js';
import { COST_VARIABLES, type CostVariable } from './cost-variables.js';

test('evaluates token arithmetic and conditions on model and backend', () => {
  const cost = compileCostExpression('model == "gpt-4o" ? input_tokens * uint(2) + output_tokens : total_tokens');
  assert.equal(cost({ model: 'gpt-4o', backend: 'b', routeName: 'r', usage: { inputTokens: 10, outputTokens: 3, totalTokens: 13 } }), 23);
  assert.equal(cost({ model: 'other', backend: 'b', routeName: 'r', usage: { inputTokens: 10, outputTokens: 3, totalTokens: 13 } }), 13);
  assert.equal(compileCostExpression('100')({ model: '', backend: '', routeName: '', usage: {} }), 100);
  assert.equal(compileCostExpression('reasoning_tokens')({ model: '', backend: '', routeName: '', usage: {} }), 0, 'unreported counts are 0');
});

test('every upstream variable compiles and reads its own value', () => {
  const inputs: CostInputs = {
    model: 'm-1',
    backend: 'default/openai/route/r/rule/0/ref/0',
    routeName: 'default/r',
    usage: { inputTokens: 11, cachedInputTokens: 12, cacheCreationInputTokens: 13, outputTokens: 14, totalTokens: 15, reasoningTokens: 16 },
  };
  // Strings are read through a comparison (a cost is a number); a wrong binding gives 0.
  const expected: Record<CostVariable, [string, number]> = {
    model: ['model == "m-1" ? uint(1) : uint(0)', 1],
    backend: ['backend == "default/openai/route/r/rule/0/ref/0" ? uint(1) : uint(0)', 1],
    route_name: ['route_name == "default/r" ? uint(1) : uint(0)', 1],
    input_tokens: ['input_tokens', 11],
    cached_input_tokens: ['cached_input_tokens', 12],
    cache_creation_input_tokens: ['cache_creation_input_tokens', 13],
    output_tokens: ['output_tokens', 14],
    total_tokens: ['total_tokens', 15],
    reasoning_tokens: ['reasoning_tokens', 16],
  };
  for (const variable of COST_VARIABLES) {
    const [expression, value] = expected[variable];
    assert.equal(compileCostExpression(expression)(inputs), value, variable);
  }
  const all = COST_VARIABLES.filter((name) => name.endsWith('_tokens')).join(' + ');
  assert.equal(compileCostExpression(all)(inputs), 11 + 12 + 13 + 14 + 15 + 16);
  assert.equal(compileCostExpression('uint(size(model) + size(backend) + size(route_name))')(inputs), 3 + 35 + 9);
});

test('a name that is not a cost variable is refused, naming it and the variable it most likely meant', () => {
  const expression = 'input_token + cached_input_token + output_tokens';
  let caught: unknown;
  try {
    compileCostExpression(expression);
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof CostExpressionError);
  assert.deepEqual(caught.unknownVariables, [
    { name: 'input_token', suggestion: 'input_tokens' },
    { name: 'cached_input_token', suggestion: 'cached_input_tokens' },
  ]);
  assert.match(caught.message, /undeclared reference to "cached_input_token" \(did you mean "cached_input_tokens"\?\)/);
  assert.match(caught.message, /the variables are model, backend, route_name, input_tokens, cached_input_tokens, cache_creation_input_tokens, output_tokens, total_tokens, reasoning_tokens$/);

  assert.throws(() => compileCostExpression('prompt_tokens + completion_tokens'), (error: unknown) => {
    assert.ok(error instanceof CostExpressionError);
    assert.deepEqual(error.unknownVariables, [
      { name: 'prompt_tokens', suggestion: 'input_tokens' },
      { name: 'completion_tokens', suggestion: 'output_tokens' },
    ]);
    return true;
  });
  assert.throws(() => compileCostExpression('has(request.model) ? uint(1) : uint(0)'), (error: unknown) => {
    assert.ok(error instanceof CostExpressionError);
    assert.deepEqual(error.unknownVariables, [{ name: 'request' }], 'nothing close: no suggestion');
    return true;
  });
});

test('macro variables and type names are not mistaken for unknown variables', () => {
  const inputs: CostInputs = { model: 'a', backend: 'b', routeName: 'r', usage: { inputTokens: 2 } };
  assert.equal(compileCostExpression('[input_tokens, output_tokens].exists(t, t > uint(1)) ? uint(7) : uint(0)')(inputs), 7);
  assert.equal(compileCostExpression('type(input_tokens) == uint ? input_tokens : uint(0)')(inputs), 2);
  assert.throws(() => compileCostExpression('[1].map(t, t + x).size() > 0 ? uint(1) : uint(0)'), /undeclared reference to "x"/);
});

test('bad expressions fail at compile time with the expression in the message', () => {
  assert.throws(() => compileCostExpression('input_tokens +'), /cannot parse CEL cost expression "input_tokens \+"/);
  assert.throws(() => compileCostExpression('input_tokens + 1'), /failed: /, 'uint + int has no overload');
  assert.throws(() => compileCostExpression('-1'), /non-negative integer/);
  assert.throws(() => compileCostExpression('"text"'), /non-negative integer/);
});
