// SPDX-License-Identifier: Apache-2.0

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { evaluateCelRules } from './evaluate-cel-rules.js';
import type { CrdSchema } from './crd-model.js';
import type { JsonValue } from './json-value.js';
import { specOf, validWidget, widgetCrd } from '../../test/support/admission-test-fixtures.js';
import { validateObject } from './validate-object.js';

const crd = widgetCrd();

function errorsAfter(change: (spec: Record<string, unknown>) => void): string[] {
  const o = validWidget();
  change(specOf(o));
  return validateObject(crd, o).errors.map((e) => e.message);
}

/** One string node with one rule; returns the messages for `value`. */
function rule(expr: string, value: JsonValue, type: CrdSchema['type'] = 'string'): string[] {
  const schema: CrdSchema = { validations: [{ rule: expr, message: 'failed' }] };
  if (type !== undefined) schema.type = type;
  return evaluateCelRules(schema, value).map((e) => e.message);
}

describe('evaluateCelRules on the fixture CRD', () => {
  it('has(): missing optional fields are absent, present ones are seen', () => {
    assert.deepEqual(
      errorsAfter((s) => delete s['owner']),
      ['spec: Invalid value: "object": owner is required in Strict mode'],
    );
    assert.deepEqual(errorsAfter((s) => (s['nested'] = { a: 'x', b: 'y' })), ['spec.nested: Invalid value: "object": exactly one of a or b must be set']);
  });

  it('rules under an absent node are not evaluated', () => {
    // nested and hosts carry rules that would fail on an empty value; absent, they do not run.
    assert.deepEqual(
      errorsAfter((s) => {
        delete s['nested'];
        delete s['hosts'];
        delete s['tags'];
      }),
      [],
    );
  });

  it('duration() comparisons, with defaults applied first', () => {
    assert.deepEqual(errorsAfter((s) => (s['timeout'] = '45s')), ['spec: Invalid value: "object": timeout must be less than interval']);
    assert.deepEqual(errorsAfter((s) => (s['interval'] = '1m')), []);
  });

  it('lowerAscii() and matches() on a string node ("string" is the quoted type)', () => {
    assert.deepEqual(errorsAfter((s) => (s['owner'] = 'Alice')), [
      'spec.owner: Invalid value: "string": owner must be lower case',
      'spec.owner: Invalid value: "string": owner must be letters only',
    ]);
  });

  it('isURL, url().getScheme() and messageExpression', () => {
    assert.deepEqual(errorsAfter((s) => (s['endpoint'] = 'not a url')), ['spec: Invalid value: "object": endpoint must be a URL']);
    assert.deepEqual(errorsAfter((s) => (s['endpoint'] = 'http://example.com')), [
      'spec: Invalid value: "object": endpoint scheme must be https, got http',
    ]);
  });

  it('reason and fieldPath: Forbidden on the named field', () => {
    assert.deepEqual(errorsAfter((s) => (s['legacy'] = 'x')), ['spec.legacy: Forbidden: legacy is no longer supported']);
  });

  it('list rules see the whole list ("array"); item rules run per element', () => {
    assert.deepEqual(errorsAfter((s) => (s['tags'] = ['x-b', 't-a'])), [
      'spec.tags: Invalid value: "array": tags must start with t-',
      'spec.tags: Invalid value: "array": tags must be sorted',
    ]);
    assert.deepEqual(
      errorsAfter((s) => (s['items'] = [{ name: 'main', primary: true, weight: 11 }, { name: 'b', primary: true }])),
      [
        'spec.items: Invalid value: "array": exactly one item must be primary',
        'spec.items[0]: Invalid value: "object": weight must be at most 10',
      ],
    );
    assert.deepEqual(errorsAfter((s) => (s['items'] = [{ name: 'x', primary: true }])), [
      'spec.items: Invalid value: "array": an item named main is required',
    ]);
  });

  it('sum, min, max, indexOf, lastIndexOf on lists of integers', () => {
    assert.deepEqual(errorsAfter((s) => (s['scores'] = [60, 50])), ['spec.scores: Invalid value: "array": scores must sum to at most 100']);
    assert.deepEqual(errorsAfter((s) => (s['scores'] = [0, 60])), ['spec.scores: Invalid value: "array": score spread must be at most 50']);
    assert.deepEqual(errorsAfter((s) => (s['scores'] = [13])), ['spec.scores: Invalid value: "array": 13 is unlucky']);
  });

  it('isIP, isCIDR and find() on each item', () => {
    assert.deepEqual(errorsAfter((s) => (s['hosts'] = ['10.0.0.1', 'Bad-Host', '::1', '10.0.0.0/33'])), [
      'spec.hosts[1]: Invalid value: "string": host must be an IP, a CIDR or a lower-case name',
      'spec.hosts[3]: Invalid value: "string": host must be an IP, a CIDR or a lower-case name',
    ]);
  });
});

describe('evaluateCelRules: CEL functions', () => {
  const cases: [string, JsonValue, CrdSchema['type'], boolean][] = [
    ["size(self) == 3 && self.size() == 3", 'abc', 'string', true],
    ["self.startsWith('ab') && self.endsWith('bc') && self.contains('b')", 'abc', 'string', true],
    ["self.matches('^a+$')", 'abc', 'string', false],
    ["self.lowerAscii() == 'abc' && self.upperAscii() == 'ABC'", 'aBc', 'string', true],
    ["self.split(',') == ['a', 'b'] && ['a', 'b'].join('-') == 'a-b'", 'a,b', 'string', true],
    ["self.replace('a', 'x') == 'xbc' && self.substring(1) == 'bc' && self.indexOf('c') == 2 && self.trim() == self", 'abc', 'string', true],
    ["self.all(x, x > 0) && self.exists(x, x == 2) && self.exists_one(x, x == 3)", [1, 2, 3], 'array', true],
    ["self.exists_one(x, x > 1)", [1, 2, 3], 'array', false],
    ["self.map(x, x * 2) == [2, 4] && self.filter(x, x > 1) == [2]", [1, 2], 'array', true],
    ["self.isSorted() && self.min() == 1 && self.max() == 3 && self.sum() == 6", [1, 2, 3], 'array', true],
    ["duration(self) == duration('90m') && duration(self) > duration('1h')", '1h30m', 'string', true],
    ["timestamp(self) < timestamp('2030-01-01T00:00:00Z')", '2024-01-01T00:00:00Z', 'string', true],
    ["isURL(self) && url(self).getHost() == 'h.example:8080' && url(self).getHostname() == 'h.example' && url(self).getPort() == '8080' && url(self).getEscapedPath() == '/p' && url(self).getQuery()['q'] == ['1']", 'https://h.example:8080/p?q=1', 'string', true],
    ["isURL(self)", 'relative/path', 'string', false],
    ["isURL(self) && url(self).getScheme() == ''", '/abs/path', 'string', true],
    ["self.find('[0-9]+') == '42' && self.findAll('[0-9]+') == ['42', '7']", 'a42b7', 'string', true],
    ["isIP(self) && !isCIDR(self)", '2001:db8::1', 'string', true],
    ["isQuantity(self)", '500Mi', 'string', true],
    ["self.a in ['x', 'y'] && has(self.a) && !has(self.b)", { a: 'x' }, 'object', true],
    ["'%s-%d'.format([self, 3]) == 'ab-3'", 'ab', 'string', true],
  ];
  for (const [expr, value, type, ok] of cases) {
    it(`${expr} → ${ok}`, () => {
      assert.deepEqual(rule(expr, value, type), ok ? [] : [`Invalid value: "${type ?? ''}": failed`]);
    });
  }

  it('reports runtime errors in cel-go words', () => {
    assert.deepEqual(rule('self.missing == 1', {}, 'object'), ['Invalid value: "object": no such key: missing evaluating rule: failed']);
    assert.deepEqual(
      evaluateCelRules({ type: 'object', validations: [{ rule: 'self.a + 1 == 2' }] }, { a: 'x' }).map((e) => e.message),
      [
        `Invalid value: "object": 'no such overload': call arguments did not match a supported operator, function or macro signature for rule: self.a + 1 == 2`,
      ],
    );
  });

  it('uses "failed rule: <rule>" without a message, and skips transition rules', () => {
    const schema: CrdSchema = {
      type: 'integer',
      validations: [{ rule: 'self > 5' }, { rule: 'self == oldSelf', message: 'immutable' }],
    };
    assert.deepEqual(evaluateCelRules(schema, 3).map((e) => e.message), ['Invalid value: "integer": failed rule: self > 5']);
  });

  it('reports rules that do not compile', () => {
    const [e] = evaluateCelRules({ type: 'string', validations: [{ rule: 'self ==' }] }, 'x');
    assert.equal(e?.type, 'Internal');
  });

  it('Required and Duplicate reasons', () => {
    const schema: CrdSchema = {
      type: 'object',
      validations: [
        { rule: 'has(self.a)', message: 'a is required', reason: 'FieldValueRequired', fieldPath: '.a' },
        { rule: 'false', reason: 'FieldValueDuplicate' },
      ],
      properties: new Map([['a', { type: 'string' }]]),
    };
    assert.deepEqual(evaluateCelRules(schema, {}).map((e) => e.message), ['a: Required value: a is required', 'Duplicate value: "object"']);
  });
});
