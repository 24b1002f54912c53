import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFieldPath } from './diagnostic.js';
import { parseFieldPath } from './parse-field-path.js';

test('parses Kubernetes field paths back into segments', () => {
  assert.deepEqual(parseFieldPath('spec.rules[0].backendRefs[12].name'), ['spec', 'rules', 0, 'backendRefs', 12, 'name']);
  assert.deepEqual(parseFieldPath('metadata.annotations[substitution.aigw.run/env/apiKey]'), ['metadata', 'annotations', 'substitution.aigw.run/env/apiKey']);
  assert.deepEqual(parseFieldPath(''), []);
  for (const path of [['spec', 'x', 3, 'y'], ['a', 'weird key', 0]]) assert.deepEqual(parseFieldPath(formatFieldPath(path)), path);
});
