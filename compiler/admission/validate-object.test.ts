// SPDX-License-Identifier: Apache-2.0

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { widgetCrd, validWidget, specOf } from '../../test/support/admission-test-fixtures.js';
import { validateObject } from './validate-object.js';

const crd = widgetCrd();

/** Validates the valid Widget after `change` edits its spec; returns the error messages. */
function errorsAfter(change: (spec: Record<string, unknown>) => void): string[] {
  const o = validWidget();
  change(specOf(o));
  return validateObject(crd, o).errors.map((e) => e.message);
}

describe('validateObject', () => {
  it('accepts the valid fixture, applies defaults and does not touch the input', () => {
    const input = validWidget();
    const before = JSON.stringify(input);
    const r = validateObject(crd, input);
    assert.deepEqual(r.errors, []);
    assert.equal(r.valid, true);
    assert.equal(r.version, 'v1');
    assert.equal(r.rejection, undefined);
    assert.equal(JSON.stringify(input), before);
    assert.deepEqual(r.defaulted, {
      ...input,
      spec: {
        ...specOf(input),
        interval: '30s',
        enabled: true,
        items: [
          { name: 'main', primary: true, weight: 1 },
          { name: 'other', weight: 4, primary: false },
        ],
      },
    });
  });

  it('picks the version from apiVersion and rejects unknown versions and kinds', () => {
    const o = validWidget();
    o['apiVersion'] = 'example.com/v1alpha1';
    specOf(o)['whatever'] = 1;
    const loose = validateObject(crd, o);
    assert.equal(loose.valid, true);
    assert.equal(loose.version, 'v1alpha1');

    o['apiVersion'] = 'example.com/v9';
    assert.deepEqual(
      validateObject(crd, o).errors.map((e) => e.message),
      ['apiVersion: Unsupported value: "example.com/v9": supported values: "example.com/v1alpha1", "example.com/v1"'],
    );
    o['apiVersion'] = 'example.com/v1';
    o['kind'] = 'Gadget';
    assert.deepEqual(
      validateObject(crd, o).errors.map((e) => e.message),
      ['kind: Unsupported value: "Gadget": supported values: "Widget"'],
    );
  });

  it('reports Required for missing required fields, metadata.name included', () => {
    const o = validWidget();
    o['metadata'] = {};
    const spec = specOf(o);
    delete spec['mode'];
    const items = spec['items'];
    assert.ok(Array.isArray(items));
    items.push({ weight: 2 });
    const r = validateObject(crd, o);
    assert.deepEqual(
      r.errors.map((e) => [e.type, e.message]),
      [
        ['Required', 'metadata.name: Required value: name or generateName is required'],
        ['Required', 'spec.mode: Required value'],
        ['Required', 'spec.items[2].name: Required value'],
      ],
    );
  });

  it('reports an invalid metadata.name like the API server', () => {
    const o = validWidget();
    o['metadata'] = { name: 'Bad_Name' };
    const [e] = validateObject(crd, o).errors;
    assert.equal(e?.path, 'metadata.name');
    assert.match(e?.message ?? '', /^metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of/);
  });

  it('reports Unsupported for enum violations', () => {
    assert.deepEqual(
      errorsAfter((s) => (s['mode'] = 'Loose')),
      ['spec.mode: Unsupported value: "Loose": supported values: "Strict", "Relaxed"'],
    );
  });

  it('reports type errors with the JSON type found', () => {
    assert.deepEqual(
      errorsAfter((s) => (s['replicas'] = 'three')),
      ['spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"'],
    );
    assert.deepEqual(
      errorsAfter((s) => (s['port'] = true)),
      ['spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"'],
    );
    assert.deepEqual(errorsAfter((s) => (s['port'] = 8080)), []);
  });

  it('reports TooMany for maxItems and maxProperties', () => {
    assert.deepEqual(
      errorsAfter((s) => (s['tags'] = ['t-a', 't-b', 't-c', 't-d'])),
      ['spec.tags: Too many: 4: must have at most 3 items'],
    );
    assert.deepEqual(
      errorsAfter((s) => (s['labels'] = { a: '1', b: '2', c: '3' })),
      ['spec.labels: Too many: 3: must have at most 2 items'],
    );
  });

  it('reports minItems, minLength, maxLength (TooLong) and map values', () => {
    assert.deepEqual(errorsAfter((s) => (s['tags'] = [])), ['spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items']);
    assert.deepEqual(errorsAfter((s) => (s['owner'] = 'ab')), ['spec.owner: Invalid value: "ab": spec.owner in body should be at least 3 chars long']);
    assert.deepEqual(errorsAfter((s) => (s['owner'] = 'abcdefghijk')), ['spec.owner: Too long: may not be longer than 10']);
    assert.deepEqual(errorsAfter((s) => (s['labels'] = { a: 'toolong' })), ['spec.labels.a: Too long: may not be longer than 5']);
  });

  it('reports pattern, format, minimum/maximum violations', () => {
    // The CEL rule on spec still runs (as in Kubernetes) and fails to parse the duration too.
    assert.deepEqual(
      errorsAfter((s) => (s['timeout'] = '5 seconds')),
      [
        "spec.timeout: Invalid value: \"5 seconds\": spec.timeout in body should match '^[0-9]+(ms|s|m|h)$'",
        'spec: Invalid value: "object": Failed to parse duration: invalid syntax evaluating rule: timeout must be less than interval',
      ],
    );
    assert.deepEqual(
      errorsAfter((s) => (s['created'] = 'yesterday')),
      ['spec.created: Invalid value: "yesterday": spec.created in body must be of type date-time: "yesterday"'],
    );
    assert.deepEqual(
      errorsAfter((s) => (s['replicas'] = 9)),
      ['spec.replicas: Invalid value: 9: spec.replicas in body should be less than or equal to 5'],
    );
    assert.deepEqual(
      errorsAfter((s) => (s['replicas'] = 0)),
      ['spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1'],
    );
    assert.deepEqual(errorsAfter((s) => (s['ratio'] = 0)), ['spec.ratio: Invalid value: 0: spec.ratio in body should be greater than 0']);
  });

  it('reports Duplicate for list-type set and map', () => {
    assert.deepEqual(errorsAfter((s) => (s['tags'] = ['t-a', 't-a'])), ['spec.tags[1]: Duplicate value: "t-a"']);
    assert.deepEqual(
      errorsAfter((s) => (s['items'] = [{ name: 'main', primary: true }, { name: 'main' }])),
      ['spec.items[1]: Duplicate value: map[string]interface {}{"name":"main"}'],
    );
  });

  it('prunes unknown fields with warnings, keeps preserve-unknown-fields subtrees', () => {
    const o = validWidget();
    specOf(o)['colour'] = 'red';
    o['status'] = { x: 1 };
    o['metadata'] = { name: 'w', bogus: true };
    const r = validateObject(crd, o);
    assert.deepEqual(r.errors, []);
    assert.deepEqual(r.warnings, ['unknown field "metadata.bogus"', 'unknown field "spec.colour"', 'unknown field "status"']);
    assert.ok(r.defaulted !== null && typeof r.defaulted === 'object');
    assert.equal(JSON.stringify(r.defaulted).includes('colour'), false);
    assert.equal(JSON.stringify(r.defaulted).includes('"anything":[1,2]'), true);
  });

  it('collects every problem and formats the API server rejection', () => {
    const o = validWidget();
    const spec = specOf(o);
    spec['mode'] = 'Loose';
    spec['tags'] = ['t-a', 't-b', 't-c', 't-d'];
    spec['nested'] = {};
    const r = validateObject(crd, o);
    assert.equal(r.valid, false);
    assert.equal(
      r.rejection,
      'Widget.example.com "good-widget" is invalid: [' +
        'spec.mode: Unsupported value: "Loose": supported values: "Strict", "Relaxed", ' +
        'spec.tags: Too many: 4: must have at most 3 items, ' +
        'spec.nested: Invalid value: "object": exactly one of a or b must be set]',
    );
  });

  it('rejects a non-object', () => {
    const r = validateObject(crd, 'hello');
    assert.equal(r.valid, false);
    assert.equal(r.errors[0]?.message, 'Invalid value: "hello": must be an object');
  });
});
