import assert from 'node:assert/strict';
import { test } from 'node:test';

import type { CelInput } from '@bufbuild/cel';

import { compileCelPredicate } from './cel-predicate.js';
import { desugarOptionalSyntax } from './cel-optional.js';

test('optional syntax is rewritten outside string literals only', () => {
  assert.equal(desugarOptionalSyntax('a.?b.?c.orValue("")'), 'a.aigwOptSelect("b").aigwOptSelect("c").orValue("")');
  assert.equal(desugarOptionalSyntax('m[?"k"].hasValue()'), 'm.aigwOptIndex("k").hasValue()');
  assert.equal(desugarOptionalSyntax('m[?x[0]]'), 'm.aigwOptIndex(x[0])');
  assert.equal(desugarOptionalSyntax('optional.of(1).or(optional.none())'), 'aigwOptionalOf(1).or(aigwOptionalNone())');
  assert.equal(desugarOptionalSyntax('"a.?b" + \'x[?y]\' + r"\\.?z" + """.?q"""'), '"a.?b" + \'x[?y]\' + r"\\.?z" + """.?q"""');
  assert.equal(desugarOptionalSyntax('"esc\\".?b" == x'), '"esc\\".?b" == x');
  assert.equal(desugarOptionalSyntax('a ? b.c : d'), 'a ? b.c : d');
  assert.equal(desugarOptionalSyntax('[1, 2][0]'), '[1, 2][0]');
});

test('unknown functions are rejected when the rule is compiled, as cel-go does', () => {
  assert.throws(() => compileCelPredicate('request.method.bogus() == 1'), /undeclared reference to 'bogus'/);
  assert.throws(() => compileCelPredicate('nope(1)'), /undeclared reference to 'nope'/);
  const ok = 'a ? b[0] : c.exists(x, x > 1) && size(l) > 0 && s.matches("x") && s.lowerAscii() == "" && optional.of(1).hasValue() && m.?k.orValue(1) == 1';
  assert.doesNotThrow(() => compileCelPredicate(ok));
});

test('optional values behave as in cel-go', () => {
  const run = (source: string, variables: Record<string, CelInput> = {}): unknown => {
    const outcome = compileCelPredicate(source).evaluate({ variables, size: 10 });
    return 'value' in outcome ? outcome.value : outcome.error;
  };
  assert.equal(run('m.?a.?b.orValue(0) == 1', { m: { a: { b: 1 } } }), true);
  assert.equal(run('m.?a.?b.orValue(0) == 0', { m: {} }), true);
  assert.equal(run('l[?1].orValue("none") == "y"', { l: ['x', 'y'] }), true);
  assert.equal(run('l[?5].orValue("none") == "none"', { l: ['x'] }), true);
  assert.equal(run('!m.?a.hasValue()', { m: {} }), true);
  assert.equal(run('optional.ofNonZeroValue("").orValue("d") == "d"'), true);
  assert.equal(run('optional.of(2).value() == 2'), true);
  assert.match(String(run('optional.none().value() == 1')), /none\(\) dereference/);
  assert.match(String(run('m.a.orValue(1) == 1', { m: { a: 2 } })), /needs an optional/);
});
