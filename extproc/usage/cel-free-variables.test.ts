import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from '@bufbuild/cel';
import { celFreeVariables } from './cel-free-variables.js';

test('lists the identifiers read from the environment, once each, in order', () => {
  assert.deepEqual(celFreeVariables(parse('a + b.c * a - f(d, e.g()) + {k: v}[k2]').expr), ['a', 'b', 'd', 'e', 'k', 'v', 'k2'], 'a map key is an expression too');
  assert.deepEqual(celFreeVariables(parse('has(x.y) && [1, 2].all(i, i < n) && m.map(k, k + 1).exists_one(j, j == z)').expr), ['x', 'n', 'm', 'z']);
  assert.deepEqual(celFreeVariables(parse('type(a) == uint && int(b) > 0 && 1 in [c]').expr), ['a', 'b', 'c']);
  assert.deepEqual(celFreeVariables(parse('"text" + string(1)').expr), []);
});
