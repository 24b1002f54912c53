// SPDX-License-Identifier: Apache-2.0

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { fieldErrors, goSyntax } from './admission-error.js';
import { formatInvalidObject } from './format-invalid-object.js';

describe('field error wording (k8s.io/apimachinery field.Error)', () => {
  it('formats each error type', () => {
    const s = 'test';
    assert.equal(fieldErrors.required('spec.a', '', s).message, 'spec.a: Required value');
    assert.equal(fieldErrors.forbidden('spec.a', 'not allowed', s).message, 'spec.a: Forbidden: not allowed');
    assert.equal(fieldErrors.invalid('spec.a', 'x"y', 'bad', s).message, 'spec.a: Invalid value: "x\\"y": bad');
    assert.equal(fieldErrors.invalid('spec.a', 3, 'bad', s).message, 'spec.a: Invalid value: 3: bad');
    assert.equal(fieldErrors.invalid('spec.a', null, 'bad', s).message, 'spec.a: Invalid value: "null": bad');
    assert.equal(fieldErrors.notSupported('spec.a', 'x', ['a', 'b'], s).message, 'spec.a: Unsupported value: "x": supported values: "a", "b"');
    assert.equal(fieldErrors.notSupported('spec.a', 7, [1, 2], s).message, 'spec.a: Unsupported value: 7: supported values: "1", "2"');
    assert.equal(fieldErrors.tooMany('spec.a', 16, 15, s).message, 'spec.a: Too many: 16: must have at most 15 items');
    assert.equal(fieldErrors.tooMany('spec.a', 2, 1, s).message, 'spec.a: Too many: 2: must have at most 1 item');
    assert.equal(fieldErrors.tooLong('spec.a', 'xxxx', 253, s).message, 'spec.a: Too long: may not be longer than 253');
    assert.equal(fieldErrors.duplicate('spec.a[1]', 'x', s).message, 'spec.a[1]: Duplicate value: "x"');
    assert.equal(fieldErrors.internal('spec.a', 'boom', s).message, 'spec.a: Internal error: boom');
  });

  it('prints composite values like Go %#v', () => {
    assert.equal(goSyntax({ b: 1, a: ['x'] }), 'map[string]interface {}{"a":[]interface {}{"x"}, "b":1}');
  });

  it('formats the API server rejection, deduplicating and bracketing several errors', () => {
    const e1 = fieldErrors.required('spec.a', '', 't');
    const e2 = fieldErrors.tooMany('spec.b', 3, 2, 't');
    assert.equal(formatInvalidObject('Route', 'x.io', 'r', [e1]), 'Route.x.io "r" is invalid: spec.a: Required value');
    assert.equal(
      formatInvalidObject('Route', 'x.io', 'r', [e1, e2, e1]),
      'Route.x.io "r" is invalid: [spec.a: Required value, spec.b: Too many: 3: must have at most 2 items]',
    );
    assert.equal(formatInvalidObject('Pod', '', 'p', [e1]), 'Pod "p" is invalid: spec.a: Required value');
  });
});
